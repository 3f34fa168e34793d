// SPDX-License-Identifier: Apache-2.0

package tracingtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/plugtrace/plugtrace/tracing"
	"github.com/plugtrace/plugtrace/tracing/tracingtest"
)

// countTodos is plugin code under test.
func countTodos(ctx context.Context, svc tracing.Service, todos []string) int {
	n, _ := tracing.Run(ctx, svc, "count todos", func(ctx context.Context, span tracing.Span) (int, error) {
		span.SetAttribute("todo.count", len(todos))
		return len(todos), nil
	})
	return n
}

// A plugin author's unit test: get a Service from a Recorder, run the code,
// and read the ended span back.
func Example() {
	t := &testing.T{} // in a real test, the *testing.T of the test function
	rec := tracingtest.NewRecorder()
	svc := rec.Service(t, "todos")

	countTodos(context.Background(), svc, []string{"a", "b"})

	span := rec.Span(t, "count todos")
	count, _ := tracingtest.Attribute(span, "todo.count")
	plugin, _ := tracingtest.Attribute(span, tracing.PluginIDKey)
	fmt.Println(span.Name(), count.AsInt64(), plugin.AsString())
	// Output: count todos 2 todos
}
