// SPDX-License-Identifier: Apache-2.0

package config

import "os"

// Option changes how Parse and Load read a configuration.
type Option interface {
	apply(options) options
}

type options struct {
	lookupEnv func(string) (string, bool)
}

func newOptions(opts []Option) options {
	o := options{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		o = opt.apply(o)
	}
	return o
}

type optionFunc func(options) options

func (f optionFunc) apply(o options) options { return f(o) }

// WithLookupEnv sets where ${VAR} references and the OTEL_* fallbacks are
// looked up, instead of the process environment ([os.LookupEnv]). A nil
// lookup means an empty environment.
func WithLookupEnv(lookup func(name string) (value string, ok bool)) Option {
	return optionFunc(func(o options) options {
		if lookup == nil {
			lookup = func(string) (string, bool) { return "", false }
		}
		o.lookupEnv = lookup
		return o
	})
}
