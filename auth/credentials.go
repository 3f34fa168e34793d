// SPDX-License-Identifier: Apache-2.0

package auth

import "fmt"

// PrincipalType names the kind of caller behind a request.
type PrincipalType string

// The principal types. Their string values are what spans carry in the
// plugtrace.principal.type attribute.
const (
	// PrincipalUser is a person, identified by a user entity ref such as
	// "user:default/alice".
	PrincipalUser PrincipalType = "user"
	// PrincipalService is another system, identified by a subject such as
	// "external:my-service".
	PrincipalService PrincipalType = "service"
	// PrincipalNone is an anonymous caller.
	PrincipalNone PrincipalType = "none"
)

// Credentials identify the caller of a plugin. The zero value is the same as
// [NoneCredentials]: an anonymous caller.
//
// Credentials are comparable and cheap to copy.
type Credentials struct {
	typ PrincipalType
	id  string
}

// UserCredentials returns credentials for the user with the given entity ref,
// for example "user:default/alice".
func UserCredentials(userEntityRef string) Credentials {
	return Credentials{typ: PrincipalUser, id: userEntityRef}
}

// ServiceCredentials returns credentials for the service with the given
// subject, for example "external:my-service".
func ServiceCredentials(subject string) Credentials {
	return Credentials{typ: PrincipalService, id: subject}
}

// NoneCredentials returns the credentials of an anonymous caller.
func NoneCredentials() Credentials { return Credentials{} }

// PrincipalType reports what kind of caller c describes.
func (c Credentials) PrincipalType() PrincipalType {
	if c.typ == "" {
		return PrincipalNone
	}
	return c.typ
}

// PrincipalID returns the user entity ref of a user, the subject of a
// service, and "" for an anonymous caller.
func (c Credentials) PrincipalID() string { return c.id }

// IsUser reports whether c describes a user.
func (c Credentials) IsUser() bool { return c.typ == PrincipalUser }

// IsService reports whether c describes a service.
func (c Credentials) IsService() bool { return c.typ == PrincipalService }

// IsNone reports whether c describes an anonymous caller.
func (c Credentials) IsNone() bool { return c.PrincipalType() == PrincipalNone }

// String returns a form fit for logs, such as "user(user:default/alice)" or
// "none".
func (c Credentials) String() string {
	if c.IsNone() {
		return string(PrincipalNone)
	}
	return fmt.Sprintf("%s(%s)", c.typ, c.id)
}
