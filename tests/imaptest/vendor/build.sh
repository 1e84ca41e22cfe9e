#!/usr/bin/env bash
# Builds Dovecot's imaptest (MIT licence, upstream commit 924f619, kept here with the
# patch for Debian 12's dovecot-dev 2.3.19 headers) into DEST, for `make imaptest`
# on machines without ../shared/imaptest.   tests/imaptest/vendor/build.sh DEST
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: build.sh DEST}
[ -x "$dest/src/imaptest" ] && exit 0
need=""
for p in dovecot-dev dovecot-core autoconf automake libtool pkg-config make gcc; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
[ -z "$need" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$here/imaptest-924f619.tar.gz" -C "$work"
cd "$work/imaptest"
patch -p1 -s < "$here/debian12-dovecot-2.3.19.patch"
echo "0.0.0+924f619" > version      # no .git in the tarball: git-version-gen reads it
./autogen.sh >/dev/null 2>&1
./configure -q --with-dovecot=/usr/lib/dovecot >/dev/null
make -s -j2 >/dev/null 2>&1
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
mv "$work/imaptest" "$dest"
