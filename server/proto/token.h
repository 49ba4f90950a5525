/*
 * token.h - HS256 JWTs: verify one into a struct identity, or mint one.
 *
 * libjwt 1.10 accepts HS384/HS512 tokens signed with the same key and checks
 * neither exp nor nbf, so both are done here against the caller's clock.
 */
#ifndef FORUMD_PROTO_TOKEN_H
#define FORUMD_PROTO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/identity.h"
#include "protocol/protocol_gen.h"

/*
 * Verifies `token` (NUL-terminated) with the HS256 `secret` at time now_s.
 * Returns PROTO_ERR_NONE and fills *out (caller frees with identity_free), or
 * PROTO_ERR_BAD_TOKEN / PROTO_ERR_TOKEN_EXPIRED / PROTO_ERR_TOKEN_NOT_YET_VALID
 * with a short English reason in why[0..why_len) and *out left empty.
 */
enum proto_err token_verify(const char *token, const unsigned char *secret, size_t secret_len,
			    int64_t now_s, struct identity *out, char *why, size_t why_len);

/*
 * Mints an HS256 token for `who` (user, name, admin, courses), issued at now_s,
 * expiring at now_s + ttl_s, and not valid before nbf_s when nbf_s is non-zero.
 * Returns a malloc'd string the caller frees, or NULL on failure.
 */
char *token_mint(const struct identity *who, int64_t now_s, int64_t ttl_s, int64_t nbf_s,
		 const unsigned char *secret, size_t secret_len);

#endif
