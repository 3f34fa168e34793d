// SPDX-License-Identifier: Apache-2.0

package traceview

import (
	"embed"
	"html/template"
	"io/fs"
)

// The UI is plain HTML, CSS and JavaScript (ES modules), with no build
// step: edit the files in static/ and rebuild the binary.
//
//	index.html, list.js   the list of recent traces and its filters
//	trace.html, trace.js  the waterfall of one trace and the span panel
//	login.html            the sign-in form (no script)
//	topbar.html           the bar atop every page, with Sign out
//	common.js             fetching the API, formatting times and colours
//	style.css             the look of the pages
//
// The pages are html/template templates, filled in by the server with who
// is signed in; the viewer pages read the JSON API for everything else.
// Elements the browser tests use carry ids and data attributes
// (data-trace-id, data-span-id, ...).
//
//go:embed static
var embedded embed.FS

// staticFiles is the static directory itself.
var staticFiles = mustSub(embedded, "static")

// pages are the HTML pages, by file name.
var pages = template.Must(template.ParseFS(staticFiles, "*.html"))

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // cannot happen: dir is a valid path
	}
	return sub
}
