//go:build tools

// The build module of the temporal CLI that josh provisions; see go.mod. This import keeps the
// CLI in the module's requirements (`go mod tidy` drops what no file imports); the binary itself
// is built from github.com/temporalio/cli/cmd/temporal.
package build

import _ "github.com/temporalio/cli/temporalcli"
