// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidCredentials is wrapped by every error a [BearerAuth] returns: the
// request carried credentials, and they are not acceptable. A host answers
// such a request with 401 before any plugin code runs.
var ErrInvalidCredentials = errors.New("invalid credentials")

// MinSecretLength is the shortest HS256 secret [NewBearerAuth] accepts, in
// bytes: shorter keys can be brute-forced.
const MinSecretLength = 32

// StaticToken maps one static bearer token to a service principal.
type StaticToken struct {
	Token   string // the bearer token
	Subject string // the service subject, e.g. "external:my-service"
}

// BearerConfig configures a [BearerAuth].
type BearerConfig struct {
	// StaticTokens authenticate services.
	StaticTokens []StaticToken
	// UserTokenSecret is the HS256 key of user tokens, at least
	// MinSecretLength bytes. Empty: user tokens are refused.
	UserTokenSecret []byte
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// BearerAuth is the [HTTPAuth] of an `Authorization: Bearer` header:
//
//   - no header: an anonymous caller ([NoneCredentials]);
//   - a configured static token: that service ([ServiceCredentials]);
//   - an HS256 JWT signed with the user token secret, with an `exp` claim in
//     the future and a `sub` claim that is a user entity ref
//     ("user:<namespace>/<name>"): that user ([UserCredentials]);
//   - anything else: an error wrapping [ErrInvalidCredentials] and, for a
//     user token, the reason the JWT library gave (jwt.ErrTokenExpired, for
//     example).
//
// Static tokens are compared in constant time, and the JWT algorithm is
// pinned to HS256 (so `alg: none` and key-confusion tricks are refused).
type BearerAuth struct {
	static []StaticToken
	secret []byte
	parser *jwt.Parser
}

var _ HTTPAuth = (*BearerAuth)(nil)

// NewBearerAuth returns a BearerAuth, or an error for an unusable
// configuration.
func NewBearerAuth(cfg BearerConfig) (*BearerAuth, error) {
	for i, st := range cfg.StaticTokens {
		if st.Token == "" {
			return nil, fmt.Errorf("auth: static token %d (subject %q): empty token", i, st.Subject)
		}
		if st.Subject == "" {
			return nil, fmt.Errorf("auth: static token %d: empty subject", i)
		}
	}
	if len(cfg.UserTokenSecret) > 0 && len(cfg.UserTokenSecret) < MinSecretLength {
		return nil, fmt.Errorf("auth: user token secret is %d bytes; it must be at least %d", len(cfg.UserTokenSecret), MinSecretLength)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
	}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	return &BearerAuth{
		static: append([]StaticToken(nil), cfg.StaticTokens...),
		secret: append([]byte(nil), cfg.UserTokenSecret...),
		parser: jwt.NewParser(opts...),
	}, nil
}

// Credentials implements [HTTPAuth].
func (a *BearerAuth) Credentials(r *http.Request) (Credentials, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return NoneCredentials(), nil
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Credentials{}, fmt.Errorf("%w: Authorization header must be \"Bearer <token>\"", ErrInvalidCredentials)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return Credentials{}, fmt.Errorf("%w: empty bearer token", ErrInvalidCredentials)
	}
	if c, ok := a.staticToken(token); ok {
		return c, nil
	}
	return a.userToken(token)
}

// staticToken compares token with every static token, in constant time for
// each, and without stopping at a match, so timing does not reveal which
// token matched or how much of one.
func (a *BearerAuth) staticToken(token string) (Credentials, bool) {
	match := -1
	for i, st := range a.static {
		if subtle.ConstantTimeCompare([]byte(token), []byte(st.Token)) == 1 && match < 0 {
			match = i
		}
	}
	if match < 0 {
		return Credentials{}, false
	}
	return ServiceCredentials(a.static[match].Subject), true
}

func (a *BearerAuth) userToken(token string) (Credentials, error) {
	if len(a.secret) == 0 {
		return Credentials{}, fmt.Errorf("%w: unknown token", ErrInvalidCredentials)
	}
	var claims jwt.RegisteredClaims
	_, err := a.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return a.secret, nil })
	if err != nil {
		return Credentials{}, fmt.Errorf("%w: user token: %w", ErrInvalidCredentials, err)
	}
	if err := ValidateUserEntityRef(claims.Subject); err != nil {
		return Credentials{}, fmt.Errorf("%w: user token: sub: %w", ErrInvalidCredentials, err)
	}
	return UserCredentials(claims.Subject), nil
}

// ValidateUserEntityRef reports whether ref has the form
// "user:<namespace>/<name>", for example "user:default/alice".
func ValidateUserEntityRef(ref string) error {
	rest, ok := strings.CutPrefix(ref, "user:")
	ns, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || ns == "" || name == "" || strings.ContainsAny(rest, " \t\n") || strings.Contains(name, "/") {
		return fmt.Errorf("%q is not a user entity ref such as user:default/alice", ref)
	}
	return nil
}

// MintUserToken returns an HS256 user token for the user entity ref, valid
// for ttl. It is what `plugtrace token` prints.
func MintUserToken(secret []byte, userEntityRef string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) < MinSecretLength {
		return "", fmt.Errorf("auth: user token secret is %d bytes; it must be at least %d", len(secret), MinSecretLength)
	}
	if err := ValidateUserEntityRef(userEntityRef); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if ttl <= 0 {
		return "", fmt.Errorf("auth: token lifetime %v must be positive", ttl)
	}
	claims := jwt.RegisteredClaims{
		Subject:   userEntityRef,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
