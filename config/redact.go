// SPDX-License-Identifier: Apache-2.0

package config

import (
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// redactedValue replaces each secret in Redacted's result.
const redactedValue = "<redacted>"

// Redacted returns a deep copy of c in which every secret is replaced by
// "<redacted>": externalAccess tokens, the user-token secret, OTLP header
// values, plugin environment values, and the user info and query of the
// OTLP endpoint, whether it is a URL or has no scheme
// (key:secret@collector:4317). Empty secrets stay empty, so the copy still
// shows what is unset.
func (c *Config) Redacted() *Config {
	out := &Config{}
	copyRedacted(reflect.ValueOf(out).Elem(), reflect.ValueOf(c).Elem(), field{})
	return out
}

// String returns the configuration as YAML with secrets masked (see
// Redacted), fit for logs.
func (c *Config) String() string {
	out, err := yaml.Marshal(c.Redacted())
	if err != nil {
		return fmt.Sprintf("config: %v", err)
	}
	return string(out)
}

// copyRedacted deep-copies src into dst, masking the strings of fields
// tagged `config:"secret"` and everything below them, and the credentials
// in fields tagged `config:"endpoint"`.
func copyRedacted(dst, src reflect.Value, f field) {
	switch src.Kind() {
	case reflect.Struct:
		t := src.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				copyRedacted(dst.Field(i), src.Field(i), fieldOf(t.Field(i), f))
			}
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(src.Type().Elem()).Elem()
			copyRedacted(v, it.Value(), f)
			m.SetMapIndex(it.Key(), v)
		}
		dst.Set(m)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyRedacted(s.Index(i), src.Index(i), f)
		}
		dst.Set(s)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyRedacted(p.Elem(), src.Elem(), f)
		dst.Set(p)
	case reflect.String:
		switch {
		case f.secret && src.Len() > 0:
			dst.SetString(redactedValue)
		case f.endpoint:
			dst.SetString(safeEndpoint(src.String()))
		default:
			dst.Set(src)
		}
	default:
		dst.Set(src)
	}
}
