// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/httpclient"
)

func httpClientOptions() httpclient.Options { return httpclient.Options{} }

func spanSnapshot(t *testing.T, tp *sdktrace.TracerProvider, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp.RegisterSpanProcessor(rec)
	_, span := tp.Tracer("intruder").Start(context.Background(), name)
	span.End()
	return rec.Ended()[0]
}

// newHostError returns the error of building a host from yaml (and shuts
// the host down when there is none).
func newHostError(t *testing.T, yaml string) error {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), config.WithLookupEnv(noEnv))
	if err != nil {
		return err
	}
	h, err := host.New(context.Background(), cfg)
	if err == nil {
		_ = h.Shutdown(context.Background())
	}
	return err
}
