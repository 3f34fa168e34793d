// SPDX-License-Identifier: Apache-2.0

package pluginproto

import (
	"net/http"
	"slices"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"

	"github.com/plugtrace/plugtrace/auth"
)

// HeaderToProto converts HTTP headers, in a stable order.
func HeaderToProto(h http.Header) []*pluginv1.Header {
	out := make([]*pluginv1.Header, 0, len(h))
	for name, values := range h {
		out = append(out, &pluginv1.Header{Name: name, Values: values})
	}
	slices.SortFunc(out, func(a, b *pluginv1.Header) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// HeaderFromProto converts headers back.
func HeaderFromProto(hs []*pluginv1.Header) http.Header {
	h := make(http.Header, len(hs))
	for _, x := range hs {
		h[http.CanonicalHeaderKey(x.GetName())] = append(h[http.CanonicalHeaderKey(x.GetName())], x.GetValues()...)
	}
	return h
}

// CredentialsToProto converts the caller's credentials.
func CredentialsToProto(c auth.Credentials) *pluginv1.Principal {
	switch c.PrincipalType() {
	case auth.PrincipalUser:
		return &pluginv1.Principal{Type: pluginv1.PrincipalType_PRINCIPAL_TYPE_USER, Id: c.PrincipalID()}
	case auth.PrincipalService:
		return &pluginv1.Principal{Type: pluginv1.PrincipalType_PRINCIPAL_TYPE_SERVICE, Id: c.PrincipalID()}
	}
	return &pluginv1.Principal{Type: pluginv1.PrincipalType_PRINCIPAL_TYPE_NONE}
}

// CredentialsFromProto converts them back; anything unknown is anonymous.
func CredentialsFromProto(p *pluginv1.Principal) auth.Credentials {
	switch p.GetType() {
	case pluginv1.PrincipalType_PRINCIPAL_TYPE_USER:
		return auth.UserCredentials(p.GetId())
	case pluginv1.PrincipalType_PRINCIPAL_TYPE_SERVICE:
		return auth.ServiceCredentials(p.GetId())
	}
	return auth.NoneCredentials()
}
