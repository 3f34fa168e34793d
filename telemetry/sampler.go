// SPDX-License-Identifier: Apache-2.0

package telemetry

import (
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/plugtrace/plugtrace/config"
)

// newSampler returns the sampler a config.Sampler names.
func newSampler(s config.Sampler) (sdktrace.Sampler, error) {
	switch s.Type {
	case config.SamplerAlwaysOn:
		return sdktrace.AlwaysSample(), nil
	case config.SamplerAlwaysOff:
		return sdktrace.NeverSample(), nil
	case config.SamplerTraceIDRatio:
		return sdktrace.TraceIDRatioBased(s.Ratio), nil
	case config.SamplerParentBasedAlwaysOn, "":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case config.SamplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case config.SamplerParentBasedTraceIDRatio:
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(s.Ratio)), nil
	}
	return nil, fmt.Errorf("backend.tracing.sampler.type: unknown sampler %q", s.Type)
}
