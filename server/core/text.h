/*
 * text.h - UTF-8 rules shared by every layer: validation, character counts.
 *
 * Pure functions over byte ranges; nothing here allocates.
 */
#ifndef FORUMD_CORE_TEXT_H
#define FORUMD_CORE_TEXT_H

#include <stddef.h>

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0. */
int text_utf8_valid(const char *s, size_t len);

/* Number of code points in well-formed UTF-8 s[0..len). */
size_t text_utf8_chars(const char *s, size_t len);

/* Shortens NUL-terminated s so it does not end inside a UTF-8 sequence
 * (after a byte-wise truncation such as snprintf's). */
void text_utf8_trim(char *s);

/* 1 if s[0..len) holds a NUL byte. */
int text_has_nul(const char *s, size_t len);

#endif
