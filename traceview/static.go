// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"embed"
	"io/fs"
)

// The UI is plain HTML, CSS and JavaScript (ES modules), with no build
// step: edit the files in static/ and rebuild the binary.
//
//	index.html, list.js   the list of recent traces and its filters
//	trace.html, trace.js  the waterfall of one trace and the span panel
//	common.js             fetching the API, formatting times and colours
//	style.css             the look of both pages
//
// Both pages read the JSON API; elements the browser tests use carry ids
// and data attributes (data-trace-id, data-span-id, ...).
//
//go:embed static
var embedded embed.FS

// staticFiles is the static directory itself.
var staticFiles = mustSub(embedded, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // cannot happen: dir is a valid path
	}
	return sub
}
