// SPDX-License-Identifier: Apache-2.0

package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/plugtrace/plugtrace/auth"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	now    = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
)

func newBearer(t *testing.T) *auth.BearerAuth {
	t.Helper()
	a, err := auth.NewBearerAuth(auth.BearerConfig{
		StaticTokens: []auth.StaticToken{
			{Token: "static-token-for-cron-0001", Subject: "external:cron"},
			{Token: "static-token-for-ci-000002", Subject: "external:ci"},
		},
		UserTokenSecret: secret,
		Now:             func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBearerAuth(t *testing.T) {
	valid, err := auth.MintUserToken(secret, "user:default/alice", time.Hour, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := auth.MintUserToken(secret, "user:default/alice", time.Minute, now.Add(-time.Hour))
	wrongSecret, _ := auth.MintUserToken([]byte("ffffffffffffffffffffffffffffffff"), "user:default/alice", time.Hour, now)
	exp := now.Add(time.Hour).Unix()

	tests := []struct {
		name    string
		header  string
		want    auth.Credentials
		wantErr string // substring; "" means success
	}{
		{"no header", "", auth.NoneCredentials(), ""},
		{"valid user token", "Bearer " + valid, auth.UserCredentials("user:default/alice"), ""},
		{"scheme is case-insensitive", "bearer " + valid, auth.UserCredentials("user:default/alice"), ""},
		{"static token", "Bearer static-token-for-ci-000002", auth.ServiceCredentials("external:ci"), ""},
		{"expired", "Bearer " + expired, auth.Credentials{}, "expired"},
		{"wrong secret", "Bearer " + wrongSecret, auth.Credentials{}, "signature is invalid"},
		{"alg none", "Bearer " + sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType,
			jwt.MapClaims{"sub": "user:default/alice", "exp": exp}), auth.Credentials{}, "signing method none is invalid"},
		{"alg HS512 refused", "Bearer " + sign(t, jwt.SigningMethodHS512, secret,
			jwt.MapClaims{"sub": "user:default/alice", "exp": exp}), auth.Credentials{}, "signing method HS512 is invalid"},
		{"no exp", "Bearer " + sign(t, jwt.SigningMethodHS256, secret,
			jwt.MapClaims{"sub": "user:default/alice"}), auth.Credentials{}, "exp claim is required"},
		{"sub not an entity ref", "Bearer " + sign(t, jwt.SigningMethodHS256, secret,
			jwt.MapClaims{"sub": "alice", "exp": exp}), auth.Credentials{}, `sub: "alice" is not a user entity ref`},
		{"malformed", "Bearer not.a.jwt", auth.Credentials{}, "malformed"},
		{"unknown opaque token", "Bearer nope", auth.Credentials{}, "token is malformed"},
		{"prefix of a static token", "Bearer static-token-for-cron", auth.Credentials{}, "invalid credentials"},
		{"basic scheme", "Basic dXNlcjpwYXNz", auth.Credentials{}, `must be "Bearer <token>"`},
		{"empty bearer", "Bearer ", auth.Credentials{}, "empty bearer token"},
	}
	a := newBearer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/todos/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := a.Credentials(r)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, auth.ErrInvalidCredentials) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want ErrInvalidCredentials containing %q", err, tt.wantErr)
			}
		})
	}
}

// The error of a refused user token says why, in a form errors.Is reads:
// a caller can tell an expired token from a forged one.
func TestBearerAuthWrapsTheReason(t *testing.T) {
	expired, _ := auth.MintUserToken(secret, "user:default/alice", time.Minute, now.Add(-time.Hour))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+expired)
	_, err := newBearer(t).Credentials(r)
	if !errors.Is(err, auth.ErrInvalidCredentials) || !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("err = %v; want it to wrap ErrInvalidCredentials and jwt.ErrTokenExpired", err)
	}
}

func TestBearerAuthWithoutUserSecret(t *testing.T) {
	a, err := auth.NewBearerAuth(auth.BearerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := auth.MintUserToken(secret, "user:default/alice", time.Hour, time.Now())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if _, err := a.Credentials(r); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("user token without a configured secret: err = %v, want ErrInvalidCredentials", err)
	}
}

func TestNewBearerAuthErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  auth.BearerConfig
		want string
	}{
		{"short secret", auth.BearerConfig{UserTokenSecret: []byte("short")}, "user token secret is 5 bytes; it must be at least 32"},
		{"empty token", auth.BearerConfig{StaticTokens: []auth.StaticToken{{Subject: "external:x"}}}, `static token 0 (subject "external:x"): empty token`},
		{"empty subject", auth.BearerConfig{StaticTokens: []auth.StaticToken{{Token: "abcdefabcdefabcdef"}}}, "static token 0: empty subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth.NewBearerAuth(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMintUserTokenErrors(t *testing.T) {
	if _, err := auth.MintUserToken([]byte("short"), "user:default/a", time.Hour, now); err == nil {
		t.Fatal("short secret accepted")
	}
	if _, err := auth.MintUserToken(secret, "alice", time.Hour, now); err == nil {
		t.Fatal("bad entity ref accepted")
	}
	if _, err := auth.MintUserToken(secret, "user:default/a", 0, now); err == nil {
		t.Fatal("zero ttl accepted")
	}
}

func TestValidateUserEntityRef(t *testing.T) {
	for _, ok := range []string{"user:default/alice", "user:team-a/bob.smith"} {
		if err := auth.ValidateUserEntityRef(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "alice", "user:alice", "user:/alice", "user:default/", "group:default/a", "user:default/a/b", "user:de fault/a"} {
		if err := auth.ValidateUserEntityRef(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
