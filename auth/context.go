// SPDX-License-Identifier: Apache-2.0

package auth

import "context"

type credentialsKey struct{}

// ContextWithCredentials returns a copy of ctx that carries c. A host calls it
// once it has authenticated a request, so that plugin code finds the caller in
// r.Context().
func ContextWithCredentials(ctx context.Context, c Credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, c)
}

// CredentialsFromContext returns the credentials stored in ctx by
// [ContextWithCredentials]. ok is false when there are none; c is then the
// anonymous caller.
func CredentialsFromContext(ctx context.Context) (c Credentials, ok bool) {
	c, ok = ctx.Value(credentialsKey{}).(Credentials)
	return c, ok
}
