package build

// The statement cache the build adds to the SQLite driver (sqlite-statement-cache/, added by
// src/temporal/sqliteStatementCache.ts). Run with the go.mod that file writes, as npm test does
// (test/provision.test.ts); without it TestTheStatementCacheIsBuiltIn fails and says so. The
// other tests hold for the driver with or without the cache: a cached statement must behave
// exactly like a fresh one, whatever its last use left behind.

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cached is how many statements the connection keeps prepared, or -1 without the cache.
func cached(t *testing.T, db *sql.DB) int {
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := -1
	if err := conn.Raw(func(dc any) error {
		if c, ok := dc.(interface{ CachedStatements() int }); ok {
			n = c.CachedStatements()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func fileDB(t *testing.T) *sql.DB {
	return openTable(t, "file:"+filepath.Join(t.TempDir(), "t.db"), 100)
}

func count(t *testing.T, db *sql.DB, below int) int {
	var n int
	if err := db.QueryRow("select count(*) from t where a < ?", below).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rowCount reads and closes the rows a query returned.
func rowCount(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func TestTheStatementCacheIsBuiltIn(t *testing.T) {
	db := fileDB(t)
	if cached(t, db) < 0 {
		t.Fatal("the SQLite driver has no statement cache: run go test -modfile with the go.mod " +
			"that src/temporal/sqliteStatementCache.ts writes (npm test does)")
	}
	before := cached(t, db)
	for i := 0; i < 5; i++ {
		count(t, db, i)
	}
	if got := cached(t, db); got != before+1 {
		t.Fatalf("five runs of one query: %d statements cached, want %d", got, before+1)
	}
	// Generated query text must not grow the cache without end.
	for i := 0; i < 1000; i++ {
		var n int
		if err := db.QueryRow(fmt.Sprintf("select count(*) from t where a < %d", i)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != min(i, 100) {
			t.Fatalf("query %d counted %d rows", i, n)
		}
	}
	if got := cached(t, db); got > 256 {
		t.Fatalf("%d statements cached, more than the bound", got)
	}
}

func TestAReusedStatementTakesNewArguments(t *testing.T) {
	db := fileDB(t)
	for i := 0; i <= 100; i += 7 {
		if got := count(t, db, i); got != i {
			t.Fatalf("count below %d: got %d", i, got)
		}
	}
	for i := 0; i < 20; i++ {
		if _, err := db.Exec("update t set b = ? where a = ?", fmt.Sprint("v", i), i); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		var b string
		if err := db.QueryRow("select b from t where a = ?", i).Scan(&b); err != nil || b != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q, %v", i, b, err)
		}
	}
}

func TestTheSameQueryWhileItsRowsAreOpen(t *testing.T) {
	db := fileDB(t)
	tx, err := db.Begin() // one connection, so both queries run on it
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "select a from t where a < ? order by a"
	outer, err := tx.Query(q, 10)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for outer.Next() {
		var a int
		if err := outer.Scan(&a); err != nil || a != seen {
			t.Fatalf("outer row %d: %d, %v", seen, a, err)
		}
		var inner int
		if err := tx.QueryRow("select count(*) from ("+q+")", 3).Scan(&inner); err != nil || inner != 3 {
			t.Fatalf("inner: %d, %v", inner, err)
		}
		// The same text as the open rows: it must not take (and reset) their statement.
		if n, err := rowCount(tx.Query(q, 2)); err != nil || n != 2 {
			t.Fatalf("the same query inside the outer one read %d rows, want 2 (%v)", n, err)
		}
		seen++
	}
	if err := outer.Err(); err != nil || seen != 10 {
		t.Fatalf("outer read %d rows, %v", seen, err)
	}
	outer.Close()
}

func TestAFailedStatementWorksNextTime(t *testing.T) {
	db := fileDB(t)
	if _, err := db.Exec("create unique index t_a on t(a)"); err != nil {
		t.Fatal(err)
	}
	const ins = "insert into t values(?, 'x')"
	if _, err := db.Exec(ins, 5); err == nil {
		t.Fatal("a duplicate key was inserted")
	}
	if _, err := db.Exec(ins, 500); err != nil {
		t.Fatalf("the statement after its failure: %v", err)
	}
	if got := count(t, db, 1000); got != 101 {
		t.Fatalf("%d rows, want 101", got)
	}
}

func TestRowsClosedEarlyOrCancelledLeaveTheStatementUsable(t *testing.T) {
	db := fileDB(t)
	const q = "select a from t where a < ?"
	rows, err := db.Query(q, 50)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	rows.Close() // 49 rows unread
	ctx, cancel := context.WithCancel(context.Background())
	rows, err = db.QueryContext(ctx, q, 50)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	cancel()
	for rows.Next() {
	}
	rows.Close()
	if n, err := rowCount(db.Query(q, 50)); err != nil || n != 50 {
		t.Fatalf("after an early close and a cancel the query read %d rows, want 50 (%v)", n, err)
	}
}

func TestTransactionsCommitAndRollBackRepeatedly(t *testing.T) {
	db := fileDB(t)
	for i := 0; i < 50; i++ {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("insert into t values(?, 'tx')", 1000+i); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, db, 2000); got != 125 {
		t.Fatalf("%d rows, want 125 (100 and 25 committed)", got)
	}
}
