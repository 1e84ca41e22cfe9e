# cairn - top-level, non-recursive Makefile.
#
#   make            build everything into build/ (binaries in build/bin/)
#   make check      install missing packages, build, run unit + end-to-end tests
#   make run        install missing packages, build, start a private dev node in ./var
#   make lint       clang-format check + cppcheck on our code; schema/ files frozen
#   make imaptest   Dovecot's imaptest (scripted suite + stress) against a real node
#   make SANITIZE=1 ...   the same with ASan + UBSan
#
# Sources are found by wildcard: a new lib/<module>/*.c, imapd/*.c or
# tests/unit/*_test.c is built without editing this file.

ifeq ($(origin CC),default)
CC := gcc
endif
PKGS     := libpq openssl zlib
BUILD    := build
SANITIZE ?= 0

CSTD     := -std=c17 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT      := -O2 -g
INCLUDES := -Ilib -I. -DCAIRN_SCHEMA_DIR=\"$(CURDIR)/schema\"

ifeq ($(SANITIZE),1)
OPT      := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   += $(CSTD) $(WARN) $(HARDEN) $(OPT) $(SANFLAGS) $(INCLUDES) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += -pie -Wl,-z,relro,-z,now $(SANFLAGS)
# jemalloc is the allocator of every daemon; the sanitizers bring their own.
ifneq ($(SANITIZE),1)
MALLOC_LIBS := -ljemalloc
endif
LIBS     := $(PKG_LIBS) -lcrypto $(MALLOC_LIBS) -lm

LIB_MODULES := base mail imap store auth service
lib_srcs = $(wildcard lib/$(1)/*.c)
lib_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))
LIB_ARCHIVES := $(foreach m,$(LIB_MODULES),$(BUILD)/lib/libcairn_$(m).a)

# The master never links libpq and never parses a mail protocol: base + service only.
MASTER_LIBS := $(BUILD)/lib/libcairn_service.a $(BUILD)/lib/libcairn_base.a
ALL_LIBS    := -Wl,--start-group $(LIB_ARCHIVES) -Wl,--end-group

BIN_MASTER  := $(BUILD)/bin/cairn-master
BIN_IMAPD   := $(BUILD)/bin/cairn-imapd
BIN_LMTPD   := $(BUILD)/bin/cairn-lmtpd
BIN_NOTIFYD := $(BUILD)/bin/cairn-notifyd
BIN_CTL     := $(BUILD)/bin/cairnctl
BIN_BENCH   := $(BUILD)/bin/cairn-bench
BIN_ECHOD   := $(BUILD)/bin/cairn-echod
UNIT_TESTS  := $(BUILD)/tests/unit-tests
BINS := $(BIN_MASTER) $(BIN_IMAPD) $(BIN_LMTPD) $(BIN_NOTIFYD) $(BIN_CTL) $(BIN_BENCH) $(BIN_ECHOD)

objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)))

MASTER_OBJS := $(call objs_of,master/*.c)
IMAPD_OBJS  := $(call objs_of,imapd/*.c)
LMTPD_OBJS  := $(call objs_of,lmtpd/*.c)
NOTIFYD_OBJS := $(call objs_of,notifyd/*.c)
CTL_OBJS    := $(call objs_of,tools/cairnctl/*.c)
BENCH_OBJS  := $(call objs_of,tools/cairn-bench/*.c)
# `cairn-bench view` times imapd's mailbox view in-process: it links that one engine file.
BENCH_DAEMON_OBJS := $(BUILD)/obj/imapd/mailbox-view.o
ECHOD_OBJS  := $(call objs_of,tests/echod/*.c)
UNIT_OBJS   := $(call objs_of,tests/unit/*.c)
# Unit tests may exercise a daemon's engine files (everything but its main.c).
UNIT_DAEMON_OBJS := $(filter-out %/main.o,$(MASTER_OBJS) $(IMAPD_OBJS) $(LMTPD_OBJS))

ALL_OBJS := $(foreach m,$(LIB_MODULES),$(call lib_objs,$(m))) $(MASTER_OBJS) $(IMAPD_OBJS) \
            $(LMTPD_OBJS) $(NOTIFYD_OBJS) $(CTL_OBJS) $(BENCH_OBJS) $(ECHOD_OBJS) $(UNIT_OBJS)

.PHONY: all check run lint format deps clean unit e2e fuzz imaptest
.DEFAULT_GOAL := all

all: $(BINS) $(UNIT_TESTS)

# Rebuild everything when the compiler flags change (e.g. SANITIZE=1 <-> 0).
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW   := $(CC) $(CFLAGS) $(LDFLAGS) $(LIBS)
# Only goals that compile touch the stamp (`make lint` must not flip a SANITIZE build).
ifneq ($(filter-out lint format clean deps fuzz,$(or $(MAKECMDGOALS),all)),)
$(shell mkdir -p $(BUILD); [ "`cat $(FLAGS_STAMP) 2>/dev/null`" = "$(FLAGS_NOW)" ] || echo "$(FLAGS_NOW)" > $(FLAGS_STAMP))
endif

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

define lib_rule
$(BUILD)/lib/libcairn_$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach m,$(LIB_MODULES),$(eval $(call lib_rule,$(m))))

$(BIN_MASTER): $(MASTER_OBJS) $(MASTER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(MASTER_OBJS) -Wl,--start-group $(MASTER_LIBS) -Wl,--end-group \
		-lcrypto $(MALLOC_LIBS)

define bin_rule
$(1): $(2) $(LIB_ARCHIVES)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $(2) $$(ALL_LIBS) $$(LIBS)
endef
$(eval $(call bin_rule,$(BIN_IMAPD),$(IMAPD_OBJS)))
$(eval $(call bin_rule,$(BIN_LMTPD),$(LMTPD_OBJS)))
$(eval $(call bin_rule,$(BIN_NOTIFYD),$(NOTIFYD_OBJS)))
$(eval $(call bin_rule,$(BIN_CTL),$(CTL_OBJS)))
$(eval $(call bin_rule,$(BIN_BENCH),$(BENCH_OBJS) $(BENCH_DAEMON_OBJS)))
$(eval $(call bin_rule,$(BIN_ECHOD),$(ECHOD_OBJS)))

$(UNIT_TESTS): $(UNIT_OBJS) $(UNIT_DAEMON_OBJS) $(LIB_ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(UNIT_DAEMON_OBJS) $(ALL_LIBS) $(LIBS) -lcunit

deps:
	@tools/install-deps

# `make check` = deps, build, every test, one summary line; non-zero on any failure.
check: deps
	@$(MAKE) --no-print-directory all
	@python3 tests/run --build $(BUILD)

unit: all
	@python3 tests/run --build $(BUILD) --only unit

e2e: all
	@python3 tests/run --build $(BUILD) --only e2e

# Dovecot's imaptest: scripted conformance groups + stress mode against a real node.
imaptest:
	@tools/install-deps --imaptest
	@$(MAKE) --no-print-directory all
	@python3 tests/imaptest/run.py

run: deps
	@$(MAKE) --no-print-directory all
	@tools/cairn-run

LINT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint:
	@tools/install-deps --lint
	tools/check-schema-frozen
	clang-format --dry-run --Werror $(LINT_SRCS)
	cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
		--enable=warning,portability --suppress=missingIncludeSystem \
		-Ilib -I. $(LINT_SRCS)

format:
	clang-format -i $(LINT_SRCS)

clean:
	rm -rf $(BUILD)

# libFuzzer targets for the mail and IMAP parsers (clang; not part of all/check):
#   make fuzz && mkdir -p /tmp/fc && build/fuzz/fuzz_message_index -max_total_time=60 /tmp/fc tests/corpus
FUZZ_LIB_SRCS = lib/base/arena.c lib/base/buf.c lib/base/xalloc.c $(wildcard lib/mail/*.c) \
	$(wildcard lib/imap/*.c)
fuzz:
	@mkdir -p $(BUILD)/fuzz
	for f in $(wildcard tests/fuzz/*.c); do \
		clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -I. \
			$$f $(FUZZ_LIB_SRCS) -o $(BUILD)/fuzz/$$(basename $$f .c) || exit 1; \
	done

-include $(ALL_OBJS:.o=.d)
