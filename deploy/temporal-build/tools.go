//go:build tools

// The Go module josh builds its Temporal binaries in (go.mod says why it exists). These imports
// keep their code in the module's requirements and go.sum (`go mod tidy` drops what no file
// imports); the binaries themselves are built from the main packages that import these:
//   - github.com/temporalio/cli/cmd/temporal: the CLI and its dev server (npm run provision);
//   - go.temporal.io/server/cmd/server and cmd/tools/sql: the server and its schema tool of
//     `josh cluster` (PostgreSQL). Built here rather than as go.temporal.io/server@version, they
//     share every compiled package with the CLI, so the second build is mostly linking.
package build

import (
	_ "github.com/temporalio/cli/temporalcli"
	_ "github.com/urfave/cli/v2"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/mysql"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	_ "go.temporal.io/server/temporal"
	_ "go.temporal.io/server/tools/sql"
)
