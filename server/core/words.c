/*
 * words.c - word-cloud normalizer: Unicode NFC and case folding
 * (utf8proc), stop words, Snowball stemming (libstemmer), accent folding.
 *
 * Why the accents are folded before stemming as well as after: Snowball
 * gives an accented word and the same word typed without its accents
 * different stems ("comunicación" -> "comun" but "comunicacion" ->
 * "comunicacion"; "tecnología" -> "tecnolog" but "tecnologia" ->
 * "tecnologi"), so folding only the stem would not let a missing accent
 * match. Each word is therefore folded first, then the few suffixes that
 * standard spelling always writes with an accent and that the stemmers
 * only recognise accented (Spanish -ción, Portuguese -ção, -ções, -ência,
 * -ância, -ável, -ível) get their accent back, then it is stemmed and the
 * stem folded. Every spelling of a word, with or without its accents,
 * reaches the stemmer as the same string, so they share a key.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "text.h"
#include "words.h"

/* ---- immutable tables -------------------------------------------------- */

/* Stop words, lowercase. Matched with accents folded on both sides, so
 * "esta" and "está" are both found whichever one is listed. */
static const char *const stop_en[] = {
	"a", "about", "above", "after", "again", "against", "all", "am", "an", "and",
	"any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being",
	"below", "between", "both", "but", "by", "can", "can't", "cannot", "could",
	"couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down",
	"during", "each", "few", "for", "from", "further", "had", "hadn't", "has",
	"hasn't", "have", "haven't", "having", "he", "he's", "her", "here", "here's",
	"hers", "herself", "him", "himself", "his", "how", "how's", "i", "i'd", "i'll",
	"i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself",
	"let's", "me", "more", "most", "my", "myself", "no", "nor", "not", "of", "off",
	"on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out",
	"over", "own", "same", "she", "she's", "should", "shouldn't", "so", "some",
	"such", "than", "that", "that's", "the", "their", "theirs", "them",
	"themselves", "then", "there", "there's", "these", "they", "they'd", "they'll",
	"they're", "they've", "this", "those", "through", "to", "too", "under", "until",
	"up", "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were",
	"weren't", "what", "what's", "when", "when's", "where", "where's", "which",
	"while", "who", "who's", "whom", "why", "why's", "will", "with", "won't",
	"would", "wouldn't", "you", "you'd", "you'll", "you're", "you've", "your",
	"yours", "yourself", "yourselves",
};

static const char *const stop_es[] = {
	"a", "al", "algo", "algunas", "algunos", "ante", "antes", "aquel", "aquella",
	"aquellas", "aquellos", "aquí", "así", "cada", "como", "con", "contra", "cual",
	"cuales", "cuando", "de", "del", "desde", "donde", "durante", "e", "el", "él",
	"ella", "ellas", "ellos", "en", "entre", "era", "eran", "eres", "es", "esa",
	"esas", "ese", "eso", "esos", "esta", "estaba", "estado", "estamos", "están",
	"estar", "estas", "este", "esto", "estos", "estoy", "fue", "fueron", "ha",
	"había", "han", "has", "hasta", "hay", "he", "hemos", "la", "las", "le", "les",
	"lo", "los", "más", "me", "mi", "mí", "mía", "mías", "mío", "míos", "mis",
	"mucho", "muchos", "muy", "nada", "ni", "no", "nos", "nosotras", "nosotros",
	"nuestra", "nuestras", "nuestro", "nuestros", "o", "os", "otra", "otras", "otro",
	"otros", "para", "pero", "poco", "por", "porque", "qué", "que", "quien",
	"quienes", "se", "sea", "ser", "sí", "si", "sido", "siendo", "sin", "sobre",
	"sois", "somos", "son", "soy", "su", "sus", "suya", "suyas", "suyo", "suyos",
	"también", "tanto", "te", "tenemos", "tener", "tengo", "ti", "tiene", "tienen",
	"todo", "todos", "tu", "tú", "tus", "tuya", "tuyas", "tuyo", "tuyos", "u", "un",
	"una", "uno", "unos", "vosotras", "vosotros", "vuestra", "vuestras", "vuestro",
	"vuestros", "y", "ya", "yo",
};

static const char *const stop_pt[] = {
	"a", "à", "ao", "aos", "aquela", "aquelas", "aquele", "aqueles", "aquilo", "as",
	"às", "até", "com", "como", "da", "das", "de", "dela", "delas", "dele", "deles",
	"depois", "do", "dos", "e", "é", "ela", "elas", "ele", "eles", "em", "entre",
	"era", "eram", "essa", "essas", "esse", "esses", "esta", "está", "estamos",
	"estão", "estar", "estas", "este", "estes", "estou", "eu", "foi", "fomos",
	"foram", "fui", "há", "havia", "isso", "isto", "já", "lhe", "lhes", "mais",
	"mas", "me", "mesmo", "meu", "meus", "minha", "minhas", "muito", "na", "não",
	"nas", "nem", "no", "nos", "nós", "nossa", "nossas", "nosso", "nossos", "num",
	"numa", "o", "os", "ou", "para", "pela", "pelas", "pelo", "pelos", "por",
	"qual", "quando", "que", "quem", "são", "se", "seja", "sejam", "sem", "ser",
	"seu", "seus", "só", "somos", "sou", "sua", "suas", "também", "te", "tem",
	"têm", "temos", "tenho", "ter", "teu", "teus", "tinha", "tinham", "tu", "tua",
	"tuas", "um", "uma", "umas", "uns", "você", "vocês", "vos",
};

/* A suffix typed without its accent (folded, ASCII) and as standard
 * spelling writes it, which is the form the stemmer recognises. */
struct words_suffix {
	const char *folded;
	const char *accented;
};

static const struct words_suffix suffix_es[] = {
	{ "cion", "ción" },
};

static const struct words_suffix suffix_pt[] = {
	{ "coes", "ções" },
	{ "cao", "ção" },
	{ "encia", "ência" },
	{ "ancia", "ância" },
	{ "avel", "ável" },
	{ "ivel", "ível" },
};

#define WORDS_SUFFIX_MIN_STEM 2    /* code points that must precede a restored suffix */

struct words_lang_info {
	const char *stemmer;            /* libstemmer algorithm name */
	const char *const *stop;
	size_t nstop;
	const struct words_suffix *suffix;
	size_t nsuffix;
};

#define WORDS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct words_lang_info lang_info[] = {
	[WORDS_EN] = { "english", stop_en, WORDS_COUNT(stop_en), NULL, 0 },
	[WORDS_ES] = { "spanish", stop_es, WORDS_COUNT(stop_es),
	               suffix_es, WORDS_COUNT(suffix_es) },
	[WORDS_PT] = { "portuguese", stop_pt, WORDS_COUNT(stop_pt),
	               suffix_pt, WORDS_COUNT(suffix_pt) },
};

struct words {
	const struct words_lang_info *info;
	struct sb_stemmer *stemmer;     /* owned */
	char **blocked;                 /* owned keys, each owned */
	size_t nblocked;
	size_t blocked_cap;
};

/* ---- code points ------------------------------------------------------- */

/* Decodes the code point at s[*i..len) and advances *i past it. The text
 * is known to be well-formed. */
static int32_t next_cp(const char *s, size_t len, size_t *i)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + *i,
	                                      (utf8proc_ssize_t)(len - *i), &c);

	assert(n > 0);
	*i += (size_t)n;
	return c;
}

/* 1 for white space and control characters: collapsed in the display. */
static int cp_is_space(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_CC:
		return 1;
	default:
		return 0;
	}
}

/* 1 for punctuation, symbols and invisible format characters: stripped
 * where they surround an entry or a word. */
static int cp_is_edge(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_SM:
	case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK:
	case UTF8PROC_CATEGORY_SO:
	case UTF8PROC_CATEGORY_CF:
		return 1;
	default:
		return 0;
	}
}

/*
 * Folds one case-folded code point for matching: accented vowels to the
 * bare vowel, ç to c, typographic apostrophes and hyphens to ASCII. ñ is
 * a letter of its own and is kept.
 */
static int32_t fold_cp(int32_t c)
{
	if (c >= 0xE0 && c <= 0xE4)                 /* à á â ã ä */
		return 'a';
	if (c == 0xE7)                              /* ç */
		return 'c';
	if (c >= 0xE8 && c <= 0xEB)                 /* è é ê ë */
		return 'e';
	if (c >= 0xEC && c <= 0xEF)                 /* ì í î ï */
		return 'i';
	if (c >= 0xF2 && c <= 0xF6)                 /* ò ó ô õ ö */
		return 'o';
	if (c >= 0xF9 && c <= 0xFC)                 /* ù ú û ü */
		return 'u';
	if (c == 0x2018 || c == 0x2019 || c == 0x02BC)
		return '\'';
	if (c == 0x2010 || c == 0x2011)
		return '-';
	return c;
}

/*
 * Writes src[0..len) with every code point folded to dst[0..cap), leaving
 * room for a NUL. Returns the bytes written, or (size_t)-1 when it does not
 * fit. dst is not NUL-terminated.
 */
static size_t fold_into(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		utf8proc_uint8_t tmp[4];
		utf8proc_ssize_t k = utf8proc_encode_char(fold_cp(next_cp(src, len, &i)), tmp);

		if (n + (size_t)k + 1 > cap)
			return (size_t)-1;
		memcpy(dst + n, tmp, (size_t)k);
		n += (size_t)k;
	}
	return n;
}

/*
 * Finds s[*start..*end), the part of s[0..len) left when code points that
 * are edges (and spaces, when `spaces`) are removed from both ends.
 * Returns 0 when nothing is left.
 */
static int trim_range(const char *s, size_t len, int spaces, size_t *start, size_t *end)
{
	size_t i = 0, first = len, last = 0;

	while (i < len) {
		size_t at = i;
		int32_t c = next_cp(s, len, &i);

		if (cp_is_edge(c) || (spaces && cp_is_space(c)))
			continue;
		if (first == len)
			first = at;
		last = i;
	}
	if (first == len)
		return 0;
	*start = first;
	*end = last;
	return 1;
}

/* ---- display form ------------------------------------------------------ */

/*
 * Writes the display form of NFC text s[0..len) to out (WORDS_DISPLAY_CAP
 * bytes, NUL-terminated): spaces, punctuation and symbols stripped at both
 * ends, inner runs of white space made one ASCII space.
 */
static enum words_result make_display(const char *s, size_t len, char *out)
{
	size_t start, end, i, n = 0, chars = 0;
	int pending = 0;

	if (!trim_range(s, len, 1, &start, &end))
		return WORDS_EMPTY;
	for (i = start; i < end;) {
		size_t at = i;
		int32_t c = next_cp(s, end, &i);

		if (cp_is_space(c)) {
			pending = 1;
			continue;
		}
		if (chars + (size_t)pending + 1 > WORDS_MAX_CHARS)
			return WORDS_TOO_LONG;
		if (pending) {
			out[n++] = ' ';
			chars++;
			pending = 0;
		}
		assert(n + (i - at) < WORDS_DISPLAY_CAP);
		memcpy(out + n, s + at, i - at);
		n += i - at;
		chars++;
	}
	out[n] = '\0';
	return WORDS_OK;
}

/* ---- one word's key ---------------------------------------------------- */

/* 1 if folded word s[0..len) is a stop word of the language. */
static int is_stop(const struct words_lang_info *info, const char *s, size_t len)
{
	char buf[64];

	for (size_t i = 0; i < info->nstop; i++) {
		const char *sw = info->stop[i];
		size_t n = fold_into(buf, sizeof(buf), sw, strlen(sw));

		assert(n != (size_t)-1);
		if (n == len && memcmp(buf, s, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * Gives folded word buf[0..*len) back the accent of a suffix the
 * language always writes accented (see the top of this file). buf holds
 * cap bytes; *len is updated. Does nothing when no suffix matches, too
 * little precedes it, or the result would not fit.
 */
static void restore_suffix(const struct words_lang_info *info, char *buf, size_t *len, size_t cap)
{
	for (size_t i = 0; i < info->nsuffix; i++) {
		const struct words_suffix *sf = &info->suffix[i];
		size_t k = strlen(sf->folded), a = strlen(sf->accented);

		if (*len < k || memcmp(buf + *len - k, sf->folded, k) != 0)
			continue;
		if (text_utf8_chars(buf, *len - k) < WORDS_SUFFIX_MIN_STEM)
			return;
		if (*len - k + a + 1 > cap)
			return;
		memcpy(buf + *len - k, sf->accented, a);
		*len = *len - k + a;
		return;
	}
}

/* Writes s[0..len) lowercased to dst (room for a NUL left) when every byte
 * is an ASCII letter, digit or apostrophe; returns 0 (dst unspecified)
 * otherwise, or when it does not fit. */
static int ascii_lower(const char *s, size_t len, char *dst, size_t cap)
{
	if (len + 1 > cap)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\''))
			return 0;
		dst[i] = (char)c;
	}
	return 1;
}

/*
 * Appends the key of one word s[0..len) (NFC, surrounding punctuation
 * stripped) to key[*klen..WORDS_KEY_CAP), preceded by a space unless it
 * is the first. Sets *stop (unless NULL) to whether it is a stop word. A word that case
 * folding leaves empty (only ignorable code points) appends nothing and
 * sets *skipped.
 */
static enum words_result word_key(struct words *w, const char *s, size_t len,
                                  char *key, size_t *klen, int *stop, int *skipped)
{
	utf8proc_uint8_t *cf = NULL;
	utf8proc_ssize_t cflen;
	char buf[WORDS_KEY_CAP];
	const sb_symbol *stem;
	size_t n, at = *klen, sn;
	enum words_result res = WORDS_OK;

	if (stop)
		*stop = 0;
	*skipped = 0;
	if (ascii_lower(s, len, buf, sizeof(buf))) {
		/* Plain ASCII, the common case of running text: case folding
		 * is lowercasing and nothing else needs folding. */
		n = len;
	} else {
		cflen = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &cf,
		                     UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE |
		                     UTF8PROC_IGNORE);
		if (cflen < 0)
			return cflen == UTF8PROC_ERROR_NOMEM ? WORDS_NOMEM : WORDS_BAD_UTF8;
		n = fold_into(buf, sizeof(buf), (const char *)cf, (size_t)cflen);
	}
	if (n == (size_t)-1) {
		res = WORDS_TOO_LONG;
		goto out;
	}
	if (n == 0) {
		*skipped = 1;
		goto out;
	}
	if (stop)
		*stop = is_stop(w->info, buf, n);
	restore_suffix(w->info, buf, &n, sizeof(buf));

	stem = sb_stemmer_stem(w->stemmer, (const sb_symbol *)buf, (int)n);
	if (!stem) {
		res = WORDS_NOMEM;
		goto out;
	}
	sn = (size_t)sb_stemmer_length(w->stemmer);
	if (sn == 0) {                  /* never seen; keep the word itself */
		stem = (const sb_symbol *)buf;
		sn = n;
	}
	if (at > 0) {
		if (at + 2 > WORDS_KEY_CAP) {
			res = WORDS_TOO_LONG;
			goto out;
		}
		key[at++] = ' ';
	}
	n = fold_into(key + at, WORDS_KEY_CAP - at, (const char *)stem, sn);
	if (n == (size_t)-1) {
		res = WORDS_TOO_LONG;
		goto out;
	}
	*klen = at + n;
	key[*klen] = '\0';
out:
	free(cf);
	return res;
}

/* ---- whole entries ----------------------------------------------------- */

/*
 * Computes the key (WORDS_KEY_CAP bytes) and display form
 * (WORDS_DISPLAY_CAP bytes) of entry[0..len), and whether every word is a
 * stop word. Blocked words are not looked at.
 */
static enum words_result build(struct words *w, const char *entry, size_t len,
                               char *key, char *display, int *all_stop)
{
	unsigned char *nfc = NULL;
	utf8proc_ssize_t nlen;
	enum words_result res;
	size_t dlen, i = 0, klen = 0, nwords = 0;

	*all_stop = 1;
	if (len == 0)
		return WORDS_EMPTY;
	if (!entry)
		return WORDS_BAD_UTF8;
	if (len > WORDS_MAX_INPUT)
		return WORDS_TOO_LONG;
	if (!text_utf8_valid(entry, len) || text_has_nul(entry, len))
		return WORDS_BAD_UTF8;

	nlen = utf8proc_map((const utf8proc_uint8_t *)entry, (utf8proc_ssize_t)len, &nfc,
	                    UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	if (nlen < 0)
		return nlen == UTF8PROC_ERROR_NOMEM ? WORDS_NOMEM : WORDS_BAD_UTF8;
	res = make_display((const char *)nfc, (size_t)nlen, display);
	if (res != WORDS_OK)
		goto out;

	key[0] = '\0';
	dlen = strlen(display);
	while (i < dlen) {
		const char *sp = memchr(display + i, ' ', dlen - i);
		size_t wend = sp ? (size_t)(sp - display) : dlen, start, end;
		int stop, skipped;

		if (trim_range(display + i, wend - i, 0, &start, &end)) {
			res = word_key(w, display + i + start, end - start, key, &klen,
			               &stop, &skipped);
			if (res != WORDS_OK)
				goto out;
			if (!skipped) {
				nwords++;
				*all_stop &= stop;
			}
		}
		i = wend + 1;
	}
	if (nwords == 0)
		res = WORDS_EMPTY;
out:
	free(nfc);
	return res;
}

/* 1 if `key` holds blocked key `b` as whole words. */
static int key_holds(const char *key, const char *b)
{
	size_t n = strlen(b);

	for (const char *p = strstr(key, b); p; p = strstr(p + 1, b))
		if ((p == key || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
	return 0;
}

static int is_blocked(const struct words *w, const char *key)
{
	for (size_t i = 0; i < w->nblocked; i++)
		if (key_holds(key, w->blocked[i]))
			return 1;
	return 0;
}

/* ---- words in running text (search) ------------------------------------ */

/* 1 for letters, marks and digits: what a searched word is made of. */
static int cp_is_word(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

static int cp_is_apostrophe(int32_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x02BC;
}

/* The end of the word that goes on at s[i] (i is just past a word code
 * point): more word code points, and apostrophes with a word code point
 * after them. */
static size_t word_end(const char *s, size_t len, size_t i)
{
	while (i < len) {
		size_t j = i;
		int32_t c = next_cp(s, len, &j);

		if (cp_is_word(c)) {
			i = j;
			continue;
		}
		if (cp_is_apostrophe(c) && j < len) {
			size_t k = j;

			if (cp_is_word(next_cp(s, len, &k))) {
				i = k;
				continue;
			}
		}
		break;
	}
	return i;
}

/* ---- public ------------------------------------------------------------ */

struct words *words_new(enum words_lang lang)
{
	struct words *w;

	assert(lang >= WORDS_EN && lang <= WORDS_PT);
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->info = &lang_info[lang];
	w->stemmer = sb_stemmer_new(w->info->stemmer, "UTF_8");
	if (!w->stemmer) {
		free(w);
		return NULL;
	}
	return w;
}

void words_free(struct words *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nblocked; i++)
		free(w->blocked[i]);
	free(w->blocked);
	sb_stemmer_delete(w->stemmer);
	free(w);
}

int words_block(struct words *w, const char *word)
{
	char key[WORDS_KEY_CAP], display[WORDS_DISPLAY_CAP];
	char *copy;
	int all_stop;

	if (!word || build(w, word, strlen(word), key, display, &all_stop) != WORDS_OK)
		return -1;
	for (size_t i = 0; i < w->nblocked; i++)
		if (strcmp(w->blocked[i], key) == 0)
			return 0;
	if (w->nblocked == w->blocked_cap) {
		size_t cap = w->blocked_cap ? w->blocked_cap * 2 : 8;
		char **b = realloc(w->blocked, cap * sizeof(*b));

		if (!b)
			return -1;
		w->blocked = b;
		w->blocked_cap = cap;
	}
	copy = strdup(key);
	if (!copy)
		return -1;
	w->blocked[w->nblocked++] = copy;
	return 0;
}

enum words_result words_normalize(struct words *w, const char *entry, size_t len,
                                  char *key, size_t key_cap,
                                  char *display, size_t display_cap)
{
	char k[WORDS_KEY_CAP], d[WORDS_DISPLAY_CAP];
	int all_stop;
	enum words_result res = build(w, entry, len, k, d, &all_stop);

	if (res != WORDS_OK)
		return res;
	if (is_blocked(w, k))
		return WORDS_BLOCKED;
	if (all_stop)
		return WORDS_STOPWORD;
	if (strlen(k) + 1 > key_cap || strlen(d) + 1 > display_cap)
		return WORDS_TOO_LONG;
	memcpy(key, k, strlen(k) + 1);
	memcpy(display, d, strlen(d) + 1);
	return WORDS_OK;
}

enum words_result words_tokenize(struct words *w, const char *text, size_t len,
                                 int (*emit)(void *arg, const char *key, size_t key_len,
                                             size_t start, size_t end),
                                 void *arg)
{
	char key[WORDS_KEY_CAP];
	size_t i = 0;

	if (len > 0 && (!text || !text_utf8_valid(text, len) || text_has_nul(text, len)))
		return WORDS_BAD_UTF8;
	while (i < len) {
		size_t start = i, end;
		size_t klen = 0;
		int skipped;
		enum words_result res;

		if (!cp_is_word(next_cp(text, len, &i)))
			continue;
		end = word_end(text, len, i);
		i = end;
		if (end - start > WORDS_TOKEN_MAX_BYTES)
			continue;
		res = word_key(w, text + start, end - start, key, &klen, NULL, &skipped);
		if (res == WORDS_TOO_LONG)
			continue;
		if (res != WORDS_OK)
			return res;
		if (skipped || klen == 0)
			continue;
		if (emit(arg, key, klen, start, end))
			return WORDS_STOPPED;
	}
	return WORDS_OK;
}

int words_is_word_char(int c)
{
	return cp_is_word(c);
}

const char *words_result_name(enum words_result r)
{
	switch (r) {
	case WORDS_OK: return "ok";
	case WORDS_EMPTY: return "empty";
	case WORDS_STOPWORD: return "stopword";
	case WORDS_BLOCKED: return "blocked";
	case WORDS_TOO_LONG: return "too_long";
	case WORDS_BAD_UTF8: return "bad_utf8";
	case WORDS_NOMEM: return "nomem";
	case WORDS_STOPPED: return "stopped";
	}
	return "unknown";
}
