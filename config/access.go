// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/plugtrace/plugtrace/auth"
)

// The checks of the keys that say who may call what:
// backend.auth.publicRoutes and backend.tracing.embedded.viewers. A mistake
// in either must fail at start-up, not open more (or less) than meant.

const (
	publicRouteHint = "write [METHOD ][HOST]/PATH with the path under /api/, e.g. GET /api/weather/health; " +
		"/healthz is always open, and the viewer follows backend.tracing.embedded.viewers"
	viewerHint = `name a user (user:<namespace>/<name>), a service by its subject (external:<name>), ` +
		`or "*" for any authenticated caller`
	anyViewer = "*"
)

// publicRoutes checks that each route is an http.ServeMux pattern on a
// plugin route, given once, and in no conflict with another (a host that
// registers them all on one ServeMux would panic).
func (v *validator) publicRoutes(routes []string) {
	all := http.NewServeMux() // the routes that passed
	var ok []int              // their indexes
	for i, r := range routes {
		p := indexPath(pathPublicRoutes, i)
		if slices.Index(routes, r) < i {
			v.add(p, fmt.Sprintf("%q is listed twice", r), "")
			continue
		}
		if problem, hint := routeProblem(r); problem != "" {
			v.add(p, problem, hint)
			continue
		}
		if handle(all, r) == nil {
			ok = append(ok, i)
			continue
		}
		// A conflict: find the route it is with.
		j := slices.IndexFunc(ok, func(j int) bool {
			mux := http.NewServeMux()
			_ = handle(mux, routes[j])
			return handle(mux, r) != nil
		})
		with := "another route"
		if j >= 0 {
			with = fmt.Sprintf("%s %q", indexPath("publicRoutes", ok[j]), routes[ok[j]])
		}
		v.add(p, fmt.Sprintf("%q conflicts with %s", r, with),
			"they match some of the same requests and neither is more specific; make one more specific, or keep one")
	}
}

// routeProblem says what is wrong with a public route and how to fix it,
// or returns "".
func routeProblem(route string) (problem, hint string) {
	if strings.TrimSpace(route) == "" {
		return fmt.Sprintf("%q is empty", route), publicRouteHint
	}
	if err := handle(http.NewServeMux(), route); err != nil {
		reason := strings.TrimPrefix(err.Error(), fmt.Sprintf("parsing %q: ", route))
		return fmt.Sprintf("%q is not an http.ServeMux pattern: %s", route, reason), publicRouteHint
	}
	// Split the pattern as ServeMux does.
	method, rest := "", route
	if i := strings.IndexAny(route, " \t"); i >= 0 {
		method, rest = route[:i], strings.TrimLeft(route[i+1:], " \t")
	}
	if method != strings.ToUpper(method) {
		return fmt.Sprintf("%q has the method %s, which no request has: methods are case-sensitive", route, method),
			"write " + strings.ToUpper(method)
	}
	if i := strings.IndexByte(rest, '/'); i < 0 || !strings.HasPrefix(rest[i:], "/api/") {
		return fmt.Sprintf("%q is not a route under /api/", route), publicRouteHint
	}
	return "", ""
}

// handle registers pattern on mux, and returns the error ServeMux panics
// with for an invalid pattern or a conflict.
func handle(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = errors.New(fmt.Sprint(r))
			}
		}
	}()
	mux.Handle(pattern, http.NotFoundHandler())
	return nil
}

// viewers checks that each viewer is "*", a user entity ref or a service
// subject, given once.
func (v *validator) viewers(list []string) {
	if list != nil && len(list) == 0 {
		v.add(pathViewers, "the list is empty",
			"name who may read the viewer, or remove the key (then, on loopback, local callers may)")
		return
	}
	for i, s := range list {
		p := indexPath(pathViewers, i)
		switch {
		case slices.Index(list, s) < i:
			v.add(p, fmt.Sprintf("%q is listed twice", s), "")
		case s == anyViewer:
		case strings.HasPrefix(s, "user:"):
			if auth.ValidateUserEntityRef(s) != nil {
				v.add(p, fmt.Sprintf("%q is not a user entity ref", s), "write user:<namespace>/<name>, e.g. user:default/alice")
			}
		case s == "" || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
			v.add(p, fmt.Sprintf("%q is not a principal", s), viewerHint)
		}
	}
	if len(list) > 1 && slices.Contains(list, anyViewer) {
		v.add(pathViewers, `"*" is combined with other names`, `"*" admits every authenticated caller; use it alone`)
	}
}
