// SPDX-License-Identifier: Apache-2.0

// Package httpjson writes the JSON answers that the host and the plugin SDK
// give themselves (errors, health, the plugin list), in one format:
// errors are {"error": "..."}.
package httpjson

import (
	"encoding/json"
	"net/http"
)

// Write answers with v as JSON.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ErrorBody is the JSON of every error answered by plugtrace itself.
type ErrorBody struct {
	Error string `json:"error"`
}

// Error answers {"error": msg}.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, ErrorBody{Error: msg})
}
