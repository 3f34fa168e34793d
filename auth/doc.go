// SPDX-License-Identifier: Apache-2.0

// Package auth describes who is calling a plugin: a user, a service, or
// nobody in particular.
//
// [Credentials] is a small value type that a host derives from an incoming
// request and hands to plugin code through the request's context
// ([ContextWithCredentials], [CredentialsFromContext]). The tracing service
// reads it to attribute spans to a principal. How a request's credentials are
// established is the job of an [HTTPAuth]; [BearerAuth] is the one the
// plugtrace host uses: static service tokens and HS256-signed user tokens.
//
// Only a request without an Authorization header is anonymous; a header
// that is there but empty, or holds anything but an acceptable token, is an
// error wrapping [ErrInvalidCredentials]. A host tells the caller no more
// than that sentinel's text, "invalid credentials", and logs the whole
// error, which says why without quoting the token, the secret or what the
// token holds.
package auth
