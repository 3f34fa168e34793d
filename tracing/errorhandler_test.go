// SPDX-License-Identifier: Apache-2.0

package tracing_test

import (
	"sync"

	"go.opentelemetry.io/otel"
)

// setErrorHandler installs h as the global OTel error handler and returns a
// function that restores a silent one. Tests using it must not run in
// parallel.
func setErrorHandler(h func(error)) (restore func()) {
	var mu sync.Mutex
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		h(err)
	}))
	return func() { otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) }
}
