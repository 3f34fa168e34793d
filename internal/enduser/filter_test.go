// SPDX-License-Identifier: Apache-2.0

package enduser_test

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plugtrace/plugtrace/internal/enduser"
)

func TestScrub(t *testing.T) {
	alice := attribute.String("enduser.id", "user:default/alice")
	keep := attribute.String("keep", "me")
	clean := tracetest.SpanStub{Name: "clean", Attributes: []attribute.KeyValue{keep}}.Snapshot()
	dirty := tracetest.SpanStub{
		Name:       "dirty",
		Attributes: []attribute.KeyValue{alice, keep},
		Events:     []sdktrace.Event{{Name: "e", Attributes: []attribute.KeyValue{alice, keep}}},
		Links:      []sdktrace.Link{{Attributes: []attribute.KeyValue{alice}}},
		Resource:   resource.NewSchemaless(alice, attribute.String("service.name", "weather")),
	}.Snapshot()

	in := []sdktrace.ReadOnlySpan{clean, dirty}
	out := enduser.Scrub(in)
	if out[0].Name() != "clean" || len(out[0].Attributes()) != 1 {
		t.Fatalf("the clean span changed: %v", out[0].Attributes())
	}
	d := out[1]
	for _, kvs := range [][]attribute.KeyValue{d.Attributes(), d.Events()[0].Attributes, d.Links()[0].Attributes, d.Resource().Attributes()} {
		for _, kv := range kvs {
			if kv.Key == "enduser.id" {
				t.Fatalf("enduser.id left in %v", kvs)
			}
		}
	}
	if len(d.Attributes()) != 1 || d.Events()[0].Attributes[0] != keep || d.Resource().Len() != 1 || d.Name() != "dirty" {
		t.Fatalf("scrubbing lost other data: %v %v %v", d.Attributes(), d.Events(), d.Resource())
	}
	if len(in[1].Attributes()) != 2 {
		t.Fatal("the input span was modified")
	}
	same := []sdktrace.ReadOnlySpan{clean}
	if got := enduser.Scrub(same); &got[0] != &same[0] {
		t.Fatal("a batch without enduser.id was copied")
	}
}
