// SPDX-License-Identifier: Apache-2.0

package traceview

import "io/fs"

// StaticFiles exposes the embedded UI to the tests.
func StaticFiles() fs.FS { return staticFiles }
