package telemetry

import sdk "go.opentelemetry.io/otel/sdk"

func sdkVersion() string { return sdk.Version() }
