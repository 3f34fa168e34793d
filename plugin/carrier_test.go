// SPDX-License-Identifier: Apache-2.0

package plugin

import (
	"net/http"

	"go.opentelemetry.io/otel/propagation"
)

func propagationCarrier(h http.Header) propagation.TextMapCarrier {
	return propagation.HeaderCarrier(h)
}
