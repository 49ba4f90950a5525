/*
 * fuzz_token.c - libFuzzer target for token_verify (and token_mint).
 *
 * The first byte picks the mode:
 *   odd  - the rest of the input is a token, verified as is (header, base64,
 *          signature and algorithm handling);
 *   even - the rest is a claims object; it is signed with the fixed secret as
 *          HS256 and then verified, so the claim checks see arbitrary claims.
 * Invariants: the code is one token_verify may return; a refusal says why
 * and leaves the identity empty; an accepted identity obeys every rule (user
 * id, name length and UTF-8, times against the clock, courses sorted, unique,
 * with real roles, at most max_courses_per_token), and minting it again gives
 * a token that verifies to the same identity.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "core/text.h"
#include "proto/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000LL

static const unsigned char SECRET[] = "fuzz-secret-fuzz-secret-fuzz-sec";
#define SECRET_LEN (sizeof(SECRET) - 1)

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,  \
				__FILE__, __LINE__);                               \
			abort();                                                   \
		}                                                                  \
	} while (0)

static void check_identity(const struct identity *who)
{
	size_t nlen = strlen(who->name);

	CHECK(identity_user_id_valid(who->user));
	CHECK(nlen > 0 && text_utf8_valid(who->name, nlen));
	CHECK(text_utf8_chars(who->name, nlen) <= PROTO_MAX_NAME_CHARS);
	CHECK(who->admin == 0 || who->admin == 1);
	CHECK(who->exp > NOW);
	CHECK(who->nbf >= 0 && who->nbf <= NOW);
	CHECK(who->iat >= 0);
	CHECK(who->ncourses <= PROTO_MAX_COURSES_PER_TOKEN);
	CHECK((who->ncourses == 0) == (who->courses == NULL));
	for (size_t i = 0; i < who->ncourses; i++) {
		CHECK(who->courses[i].course > 0);
		CHECK(who->courses[i].role > PROTO_ROLE_NONE && who->courses[i].role < PROTO_ROLE__COUNT);
		if (i)
			CHECK(who->courses[i - 1].course < who->courses[i].course);
		CHECK(identity_role(who, who->courses[i].course) == who->courses[i].role);
	}
}

static void check_empty(const struct identity *who)
{
	CHECK(who->courses == NULL && who->ncourses == 0);
	CHECK(who->user == NULL && who->name == NULL);
	CHECK(who->admin == 0 && who->exp == 0);
}

/* Mints `who` again and expects the same identity back. */
static void check_remint(const struct identity *who)
{
	struct identity again;
	char why[128] = "";
	char *tok = token_mint(who, who->iat ? who->iat : NOW, who->exp - (who->iat ? who->iat : NOW),
			       who->nbf, SECRET, SECRET_LEN);
	enum proto_err rc;

	CHECK(tok != NULL);
	if (strlen(tok) > PROTO_MAX_TOKEN_BYTES) {  /* re-encoding may grow it */
		free(tok);
		return;
	}
	rc = token_verify(tok, SECRET, SECRET_LEN, NOW, &again, why, sizeof(why));
	free(tok);
	if (rc != PROTO_ERR_NONE)
		fprintf(stderr, "re-minted token refused: %s\n", why);
	CHECK(rc == PROTO_ERR_NONE);
	CHECK(strcmp(again.user, who->user) == 0);
	CHECK(strcmp(again.name, who->name) == 0);
	CHECK(again.admin == who->admin);
	CHECK(again.exp == who->exp);
	CHECK(again.nbf == who->nbf);
	CHECK(again.ncourses == who->ncourses);
	for (size_t i = 0; i < who->ncourses; i++) {
		CHECK(again.courses[i].course == who->courses[i].course);
		CHECK(again.courses[i].role == who->courses[i].role);
	}
	identity_free(&again);
}

static void verify(const char *tok)
{
	struct identity who;
	char why[128];
	enum proto_err rc;

	memset(&who, 0xA5, sizeof(who));         /* token_verify must not trust *out */
	memset(why, 0, sizeof(why));
	rc = token_verify(tok, SECRET, SECRET_LEN, NOW, &who, why, sizeof(why));
	CHECK(rc == PROTO_ERR_NONE || rc == PROTO_ERR_BAD_TOKEN || rc == PROTO_ERR_TOKEN_EXPIRED ||
	      rc == PROTO_ERR_TOKEN_NOT_YET_VALID || rc == PROTO_ERR_INTERNAL);
	if (rc == PROTO_ERR_NONE) {
		check_identity(&who);
		check_remint(&who);
		identity_free(&who);
	} else {
		CHECK(why[0] != '\0');
		check_empty(&who);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = malloc(size);                        /* size - 1 bytes and a NUL */
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	if (data[0] & 1) {
		verify(s);
	} else {
		jwt_t *jwt = NULL;

		if (jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, s) == 0 &&
		    jwt_set_alg(jwt, JWT_ALG_HS256, SECRET, (int)SECRET_LEN) == 0) {
			char *tok = jwt_encode_str(jwt);

			if (tok) {
				verify(tok);
				free(tok);
			}
		}
		jwt_free(jwt);
	}
	free(s);
	return 0;
}
