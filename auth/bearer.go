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
//
// Its text, "invalid credentials", is all a caller should be told. The
// error that wraps it says why, for the log; it never holds the token, the
// secret, or a value the token carries (its claims, its header).
var ErrInvalidCredentials = errors.New("invalid credentials")

// errCrit refuses a token with a crit header parameter: it names JWS
// extensions the recipient must understand (RFC 7515, section 4.1.11), and
// we understand none.
var errCrit = errors.New("token has a crit header parameter, and no extension is understood")

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
//   - no Authorization header: an anonymous caller ([NoneCredentials]);
//   - a configured static token: that service ([ServiceCredentials]);
//   - an HS256 JWT signed with the user token secret, with an `exp` claim in
//     the future, a `sub` claim that is a user entity ref
//     ("user:<namespace>/<name>") and no `crit` header parameter: that user
//     ([UserCredentials]);
//   - anything else (an empty or blank Authorization header, several
//     Authorization headers, another scheme, an unknown or refused token):
//     an error wrapping [ErrInvalidCredentials] and, for a user token, the
//     JWT library's reason (jwt.ErrTokenExpired, for example), which
//     errors.Is finds.
//
// Static tokens are compared in constant time, and the JWT algorithm is
// pinned to HS256 (so `alg: none` and key-confusion tricks are refused).
// The text of an error names the reason in fixed words: it never quotes
// the token, the secret, or what the token holds.
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

// Credentials implements [HTTPAuth]. Only a request without an
// Authorization header is anonymous: a header that is there but empty is
// invalid credentials, which a host refuses on routes open to anonymous
// callers too.
func (a *BearerAuth) Credentials(r *http.Request) (Credentials, error) {
	values, present := r.Header["Authorization"]
	switch {
	case !present:
		return NoneCredentials(), nil
	case len(values) > 1:
		return Credentials{}, fmt.Errorf("%w: more than one Authorization header", ErrInvalidCredentials)
	}
	header := strings.Join(values, "") // one value, or none (an empty list)
	if strings.TrimSpace(header) == "" {
		return Credentials{}, fmt.Errorf("%w: empty Authorization header", ErrInvalidCredentials)
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
	tok, err := a.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, errCrit
		}
		return a.secret, nil
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("%w: user token: %w", ErrInvalidCredentials, refusal(tok, err))
	}
	if ValidateUserEntityRef(claims.Subject) != nil {
		// Not the value: it is the caller's, and goes to the log.
		return Credentials{}, fmt.Errorf("%w: user token: sub is not a user entity ref", ErrInvalidCredentials)
	}
	return UserCredentials(claims.Subject), nil
}

// tokenError is why a user token was refused, in words that hold nothing
// from the token: the JWT library's errors may quote what it failed to
// decode. It wraps the library's error, so that errors.Is finds its
// sentinels (jwt.ErrTokenExpired, for example).
type tokenError struct {
	reason string
	err    error
}

func (e *tokenError) Error() string { return e.reason }
func (e *tokenError) Unwrap() error { return e.err }

// refusalReasons name the library's errors, the most specific first.
var refusalReasons = []struct {
	err    error
	reason string
}{
	{errCrit, errCrit.Error()},
	{jwt.ErrTokenMalformed, "token is malformed"},
	{jwt.ErrTokenExpired, "token is expired"},
	{jwt.ErrTokenNotValidYet, "token is not valid yet"},
	{jwt.ErrTokenUsedBeforeIssued, "token used before issued"},
	{jwt.ErrTokenRequiredClaimMissing, "exp claim is required"}, // the one claim required
	{jwt.ErrTokenInvalidClaims, "token has invalid claims"},
	{jwt.ErrTokenSignatureInvalid, "token signature is invalid"},
	{jwt.ErrTokenUnverifiable, "token is unverifiable"},
}

// refusal returns err, which parsing tok failed with, as a *tokenError.
func refusal(tok *jwt.Token, err error) error {
	if tok != nil && tok.Method != nil && tok.Method.Alg() != jwt.SigningMethodHS256.Alg() &&
		errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		// The method is the library's, looked up by the token's alg: its name
		// is one of a known few.
		return &tokenError{fmt.Sprintf("signing method %s is invalid; only HS256 is accepted", tok.Method.Alg()), err}
	}
	for _, r := range refusalReasons {
		if errors.Is(err, r.err) {
			return &tokenError{r.reason, err}
		}
	}
	return &tokenError{"token is invalid", err}
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
