// SPDX-License-Identifier: Apache-2.0

package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plugtrace/plugtrace/auth"
)

func TestCredentials(t *testing.T) {
	tests := []struct {
		name    string
		c       auth.Credentials
		typ     auth.PrincipalType
		id      string
		str     string
		user    bool
		service bool
		none    bool
	}{
		{"user", auth.UserCredentials("user:default/alice"), auth.PrincipalUser, "user:default/alice", "user(user:default/alice)", true, false, false},
		{"service", auth.ServiceCredentials("external:my-service"), auth.PrincipalService, "external:my-service", "service(external:my-service)", false, true, false},
		{"none", auth.NoneCredentials(), auth.PrincipalNone, "", "none", false, false, true},
		{"zero value", auth.Credentials{}, auth.PrincipalNone, "", "none", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			if c.PrincipalType() != tt.typ || c.PrincipalID() != tt.id || c.String() != tt.str ||
				c.IsUser() != tt.user || c.IsService() != tt.service || c.IsNone() != tt.none {
				t.Fatalf("%v: type=%q id=%q user=%v service=%v none=%v", c, c.PrincipalType(), c.PrincipalID(), c.IsUser(), c.IsService(), c.IsNone())
			}
		})
	}
	if auth.NoneCredentials() != (auth.Credentials{}) {
		t.Fatal("NoneCredentials must equal the zero value")
	}
	if auth.UserCredentials("a") == auth.ServiceCredentials("a") {
		t.Fatal("a user and a service with the same id must differ")
	}
}

func TestContext(t *testing.T) {
	if _, ok := auth.CredentialsFromContext(context.Background()); ok {
		t.Fatal("empty context has credentials")
	}
	alice := auth.UserCredentials("user:default/alice")
	got, ok := auth.CredentialsFromContext(auth.ContextWithCredentials(context.Background(), alice))
	if !ok || got != alice {
		t.Fatalf("got %v, %v; want %v", got, ok, alice)
	}
}

func TestContextHTTPAuth(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	c, err := auth.ContextHTTPAuth().Credentials(r)
	if err != nil || !c.IsNone() {
		t.Fatalf("no credentials in context: got %v, %v; want none", c, err)
	}
	svc := auth.ServiceCredentials("external:cron")
	r = r.WithContext(auth.ContextWithCredentials(r.Context(), svc))
	if c, err := auth.ContextHTTPAuth().Credentials(r); err != nil || c != svc {
		t.Fatalf("got %v, %v; want %v", c, err, svc)
	}
}

func TestHTTPAuthFunc(t *testing.T) {
	errBad := errors.New("bad token")
	var a auth.HTTPAuth = auth.HTTPAuthFunc(func(r *http.Request) (auth.Credentials, error) {
		if r.Header.Get("Authorization") == "Bearer bad" {
			return auth.Credentials{}, errBad
		}
		return auth.UserCredentials("user:default/bob"), nil
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if c, err := a.Credentials(r); err != nil || c != auth.UserCredentials("user:default/bob") {
		t.Fatalf("got %v, %v", c, err)
	}
	r.Header.Set("Authorization", "Bearer bad")
	if _, err := a.Credentials(r); !errors.Is(err, errBad) {
		t.Fatalf("err = %v, want %v", err, errBad)
	}
}
