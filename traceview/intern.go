// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// Every span names the process that emitted it (its resource) and the
// tracer that made it (its scope). Thousands of spans share a handful of
// each, so the store keeps one copy of each and counts the spans that refer
// to it; the copy is dropped with its last span, which keeps the tables as
// bounded as the store.

// resourceInfo is a process's resource, shared by its spans.
type resourceInfo struct {
	res     *resource.Resource
	service string // resource attribute service.name
	key     attribute.Distinct
	refs    int
}

// scopeKey is the instrumentation scope as the viewer shows it.
type scopeKey struct {
	name, version, schemaURL string
}

// scopeInfo is a tracer's scope, shared by its spans.
type scopeInfo struct {
	key  scopeKey
	refs int
}

// acquireResource returns the shared copy of r with one more reference.
// The caller holds s.mu.
func (s *Store) acquireResource(r *resource.Resource, c *ingestCache) *resourceInfo {
	// A cached copy whose last span was evicted in this batch has left the
	// table; look again rather than revive it.
	if c.res != nil && c.resource == r && c.res.refs > 0 {
		c.res.refs++
		return c.res
	}
	key := r.Equivalent()
	ri := s.resources[key]
	switch {
	case ri == nil:
		ri = newResourceInfo(r, key)
		s.resources[key] = ri
	case ri.res != r && !ri.res.Set().Equals(r.Set()):
		// Same hash, different attributes: keep this one out of the table.
		ri = newResourceInfo(r, key)
	}
	ri.refs++
	c.resource, c.res = r, ri
	return ri
}

func newResourceInfo(r *resource.Resource, key attribute.Distinct) *resourceInfo {
	if r == nil {
		r = resource.Empty()
	}
	service, _ := r.Set().Value(semconv.ServiceNameKey)
	return &resourceInfo{res: r, service: service.AsString(), key: key}
}

// releaseResource drops one reference. The caller holds s.mu.
func (s *Store) releaseResource(ri *resourceInfo) {
	ri.refs--
	if ri.refs == 0 && s.resources[ri.key] == ri {
		delete(s.resources, ri.key)
	}
}

// acquireScope returns the shared copy of k with one more reference. The
// caller holds s.mu.
func (s *Store) acquireScope(k scopeKey, c *ingestCache) *scopeInfo {
	if c.scope != nil && c.scopeKey == k && c.scope.refs > 0 {
		c.scope.refs++
		return c.scope
	}
	si := s.scopes[k]
	if si == nil {
		si = &scopeInfo{key: k}
		s.scopes[k] = si
	}
	si.refs++
	c.scopeKey, c.scope = k, si
	return si
}

// releaseScope drops one reference. The caller holds s.mu.
func (s *Store) releaseScope(si *scopeInfo) {
	si.refs--
	if si.refs == 0 && s.scopes[si.key] == si {
		delete(s.scopes, si.key)
	}
}
