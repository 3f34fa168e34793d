// SPDX-License-Identifier: Apache-2.0

package telemetry_test

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/plugtrace/plugtrace/tracing"
)

func attrPlugin(id string) attribute.KeyValue { return tracing.PluginIDKey.String(id) }
