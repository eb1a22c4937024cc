/* vanthu's output: JSON strings and hex, times in Vietnam time, table
 * cells measured in display columns. */
#ifndef VT_CLI_PRINT_H
#define VT_CLI_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void json_str(FILE *f, const char *s);
void json_hex(FILE *f, const uint8_t *p, size_t n);
void print_time(FILE *f, int64_t us); /* ISO 8601 in Vietnam time (+07:00) */
/* A table cell: s cut to width display columns (UTF-8 aware), padded, then
 * a space; width 0 prints s whole. */
void cell(FILE *f, const char *s, int width);
/* "incoming", "outgoing" or "?". */
const char *cli_direction_name(int direction);

#endif
