// SPDX-License-Identifier: Apache-2.0

package tracingtest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/plugtrace/plugtrace/tracing"
	"github.com/plugtrace/plugtrace/tracing/tracingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRecorderConcurrent(t *testing.T) {
	rec := tracingtest.NewRecorder()
	svc := rec.Service(t, "todos")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			_ = svc.StartActiveSpan(context.Background(), fmt.Sprint("op", i), func(context.Context, tracing.Span) error { return nil })
			_ = rec.Ended() // reading while others write
		})
	}
	wg.Wait()
	if n := len(rec.Ended()); n != 16 {
		t.Fatalf("%d ended spans, want 16", n)
	}
	if n := len(rec.Started()); n != 16 {
		t.Fatalf("%d started spans, want 16", n)
	}
	rec.Reset()
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d ended spans after Reset, want 0", n)
	}
}

func TestRecorderConfigAndShutdown(t *testing.T) {
	rec := tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{DisableByDefault: true}))
	_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", func(context.Context, tracing.Span) error { return nil })
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("disabled plugin recorded %d spans", n)
	}
	if err := rec.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderInvalidConfigPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewRecorder with an invalid config must panic")
		}
	}()
	tracingtest.NewRecorder(tracingtest.WithConfig(tracing.Config{Plugins: map[string]tracing.PluginConfig{"Bad": {}}}))
}

func TestAttributesMap(t *testing.T) {
	rec := tracingtest.NewRecorder()
	_ = rec.Service(t, "todos").StartActiveSpan(context.Background(), "op", func(_ context.Context, span tracing.Span) error {
		span.SetAttribute("k", "v")
		return nil
	})
	m := tracingtest.Attributes(rec.Span(t, "op"))
	if m["k"].AsString() != "v" || m[tracing.PluginIDKey].AsString() != "todos" {
		t.Fatalf("Attributes = %v", m)
	}
}
