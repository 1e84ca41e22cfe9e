/* TEMP_standalone.h - TEMPORARY runner until lib/service lands (see TEMP_standalone.c). */
#ifndef CAIRN_TEMP_STANDALONE_H
#define CAIRN_TEMP_STANDALONE_H
int lmtpd_temp_standalone(int argc, char **argv);
#endif
