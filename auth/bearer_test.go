// SPDX-License-Identifier: Apache-2.0

package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
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

// signWithHeader signs claims with secret, with one more header parameter.
func signWithHeader(t *testing.T, key string, value any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header[key] = value
	s, err := tok.SignedString(secret)
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
			jwt.MapClaims{"sub": "alice", "exp": exp}), auth.Credentials{}, "sub is not a user entity ref"},
		{"crit header", "Bearer " + signWithHeader(t, "crit", []string{"exp"}, jwt.MapClaims{"sub": "user:default/alice", "exp": exp}),
			auth.Credentials{}, "crit header parameter"},
		{"empty crit header", "Bearer " + signWithHeader(t, "crit", []string{}, jwt.MapClaims{"sub": "user:default/alice", "exp": exp}),
			auth.Credentials{}, "crit header parameter"},
		{"other header parameters are fine", "Bearer " + signWithHeader(t, "kid", "k1", jwt.MapClaims{"sub": "user:default/alice", "exp": exp}),
			auth.UserCredentials("user:default/alice"), ""},
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

// Only a request without an Authorization header is anonymous: one that is
// there but empty or blank is invalid credentials, and so is a request with
// several.
func TestBearerAuthHeaderPresence(t *testing.T) {
	a := newBearer(t)
	for _, tt := range []struct {
		name    string
		values  []string
		wantErr string // "" means anonymous
	}{
		{"absent", nil, ""},
		{"empty", []string{""}, "empty Authorization header"},
		{"blank", []string{"   "}, "empty Authorization header"},
		{"tab", []string{"\t"}, "empty Authorization header"},
		{"no values", []string{}, "empty Authorization header"},
		{"two", []string{"Bearer static-token-for-ci-000002", "Bearer static-token-for-cron-0001"}, "more than one Authorization header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/todos/", nil)
			if tt.values != nil {
				r.Header["Authorization"] = tt.values
			}
			got, err := a.Credentials(r)
			if tt.wantErr == "" {
				if err != nil || !got.IsNone() {
					t.Fatalf("got %v, %v; want an anonymous caller", got, err)
				}
				return
			}
			if !errors.Is(err, auth.ErrInvalidCredentials) || !strings.Contains(err.Error(), tt.wantErr) || got != (auth.Credentials{}) {
				t.Fatalf("got %v, %v; want ErrInvalidCredentials containing %q", got, err, tt.wantErr)
			}
		})
	}
}

// The error of a refused request is for the log: it says why, but never
// holds the token, the secret or a value from the token, so that neither a
// log nor a careless caller-facing message shows them. Its caller-facing
// part is ErrInvalidCredentials.
func TestBearerAuthErrorsRevealNothing(t *testing.T) {
	const evil = "evil<script>"
	exp := now.Add(time.Hour).Unix()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret := []byte("ffffffffffffffffffffffffffffffff")
	tests := []struct {
		name   string
		header string
		token  string // what must not show; the header's token if empty
	}{
		{"wrong signature", "", sign(t, jwt.SigningMethodHS256, wrongSecret, jwt.MapClaims{"sub": "user:default/alice", "exp": exp})},
		{"expired", "", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "user:default/alice", "exp": now.Add(-time.Hour).Unix()})},
		{"alg none", "", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": evil, "exp": exp})},
		{"alg RS256", "", sign(t, jwt.SigningMethodRS256, rsaKey, jwt.MapClaims{"sub": evil, "exp": exp})},
		{"crit header", "", signWithHeader(t, "crit", []string{evil}, jwt.MapClaims{"sub": evil, "exp": exp})},
		{"sub not an entity ref", "", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": evil, "exp": exp})},
		{"sub is the secret", "", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": string(secret), "exp": exp})},
		// encoding/json quotes the value it cannot read as a number.
		{"exp not a number", "", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": evil, "exp": evil})},
		{"unknown alg", "", unsignedToken(`{"alg":"`+evil+`","typ":"JWT"}`, `{"sub":"`+evil+`"}`)},
		{"header not JSON", "", unsignedToken(evil, `{"sub":"`+evil+`"}`)},
		{"garbage", "", "garbage-" + evil + "-token"},
		{"empty header", "", ""},
		{"basic scheme", "Basic dXNlcjpzM2NyZXQ=", "dXNlcjpzM2NyZXQ="},
		{"bearer without a token", "Bearer", ""},
		{"bearer and spaces", "Bearer   ", ""},
	}
	a := newBearer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == "" && tt.token != "" {
				header = "Bearer " + tt.token
			}
			r := httptest.NewRequest(http.MethodGet, "/api/todos/", nil)
			r.Header["Authorization"] = []string{header}
			c, err := a.Credentials(r)
			if !errors.Is(err, auth.ErrInvalidCredentials) || c != (auth.Credentials{}) {
				t.Fatalf("got %v, %v; want ErrInvalidCredentials", c, err)
			}
			text := err.Error()
			for _, hidden := range []string{tt.token, string(secret), evil, "evil", "script"} {
				if hidden != "" && strings.Contains(text, hidden) {
					t.Errorf("error %q shows %q", text, hidden)
				}
			}
			if !strings.HasPrefix(text, auth.ErrInvalidCredentials.Error()+": ") {
				t.Errorf("error %q does not start with the caller-facing %q", text, auth.ErrInvalidCredentials)
			}
		})
	}
}

// unsignedToken joins a JWT's header and claims, given as JSON, with a
// signature that is not one.
func unsignedToken(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + "." + enc([]byte("sig"))
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
