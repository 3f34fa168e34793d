// SPDX-License-Identifier: Apache-2.0

// Package browsertest drives the trace viewer's web UI in headless Chromium:
// a person's clicks through the trace list, a waterfall and a span's links,
// and signing in to a viewer that is not public, checked against what the
// page shows.
//
// It is a module of its own, so that the browser driver (chromedp) is not a
// dependency of github.com/plugtrace/plugtrace: `go get` of the library does
// not pull it in. Its go.mod replaces the library with the working tree
// (../..), so the tests always run against the code beside them; `make test`
// at the repository root runs them. The package has only tests.
package browsertest
