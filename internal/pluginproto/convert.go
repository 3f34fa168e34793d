// SPDX-License-Identifier: Apache-2.0

package pluginproto

import (
	"cmp"
	"net/http"
	"slices"

	pluginv1 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v1"
	pluginv2 "github.com/plugtrace/plugtrace/proto/plugtrace/plugin/v2"

	"github.com/plugtrace/plugtrace/auth"
)

// header is a generated Header message of any version.
type header interface {
	GetName() string
	GetValues() []string
}

func sortByName[H header](hs []H) {
	slices.SortFunc(hs, func(a, b H) int { return cmp.Compare(a.GetName(), b.GetName()) })
}

func headerFromProto[H header](hs []H) http.Header {
	h := make(http.Header, len(hs))
	for _, x := range hs {
		name := http.CanonicalHeaderKey(x.GetName())
		if prev, ok := h[name]; ok {
			h[name] = append(prev, x.GetValues()...)
		} else {
			h[name] = x.GetValues() // the message's own: nothing else holds it
		}
	}
	return h
}

// HeaderToProto converts HTTP headers, in a stable order.
func HeaderToProto(h http.Header) []*pluginv1.Header { return HeaderToProtoWithout(h, nil) }

// HeaderToProtoWithout converts HTTP headers but those drop reports
// (nil: none), in a stable order. The messages share the values of h.
func HeaderToProtoWithout(h http.Header, drop func(name string) bool) []*pluginv1.Header {
	msgs := make([]pluginv1.Header, len(h)) // one allocation for all
	out := make([]*pluginv1.Header, 0, len(h))
	for name, values := range h {
		if drop != nil && drop(name) {
			continue
		}
		m := &msgs[len(out)]
		m.Name, m.Values = name, values
		out = append(out, m)
	}
	sortByName(out)
	return out
}

// HeaderFromProto converts headers back.
func HeaderFromProto(hs []*pluginv1.Header) http.Header { return headerFromProto(hs) }

// HeaderToProtoV2 converts HTTP headers to version 2's, in a stable order.
func HeaderToProtoV2(h http.Header) []*pluginv2.Header { return HeaderToProtoV2Without(h, nil) }

// HeaderToProtoV2Without converts HTTP headers to version 2's but those
// drop reports (nil: none), in a stable order. The messages share the
// values of h.
func HeaderToProtoV2Without(h http.Header, drop func(name string) bool) []*pluginv2.Header {
	msgs := make([]pluginv2.Header, len(h)) // one allocation for all
	out := make([]*pluginv2.Header, 0, len(h))
	for name, values := range h {
		if drop != nil && drop(name) {
			continue
		}
		m := &msgs[len(out)]
		m.Name, m.Values = name, values
		out = append(out, m)
	}
	sortByName(out)
	return out
}

// HeaderFromProtoV2 converts version 2's headers back.
func HeaderFromProtoV2(hs []*pluginv2.Header) http.Header { return headerFromProto(hs) }

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

// CredentialsToProtoV2 converts the caller's credentials to version 2's.
func CredentialsToProtoV2(c auth.Credentials) *pluginv2.Principal {
	switch c.PrincipalType() {
	case auth.PrincipalUser:
		return &pluginv2.Principal{Type: pluginv2.PrincipalType_PRINCIPAL_TYPE_USER, Id: c.PrincipalID()}
	case auth.PrincipalService:
		return &pluginv2.Principal{Type: pluginv2.PrincipalType_PRINCIPAL_TYPE_SERVICE, Id: c.PrincipalID()}
	}
	return &pluginv2.Principal{Type: pluginv2.PrincipalType_PRINCIPAL_TYPE_NONE}
}

// CredentialsFromProtoV2 converts version 2's back; anything unknown is
// anonymous.
func CredentialsFromProtoV2(p *pluginv2.Principal) auth.Credentials {
	switch p.GetType() {
	case pluginv2.PrincipalType_PRINCIPAL_TYPE_USER:
		return auth.UserCredentials(p.GetId())
	case pluginv2.PrincipalType_PRINCIPAL_TYPE_SERVICE:
		return auth.ServiceCredentials(p.GetId())
	}
	return auth.NoneCredentials()
}
