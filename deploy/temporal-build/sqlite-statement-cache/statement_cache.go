//go:build ignore

// Not built from here: src/temporal/sqliteStatementCache.ts adds this file (without the build tag
// above) to the SQLite driver's package, modernc.org/sqlite, in a copy of the driver made for each
// build, together with small edits to its conn.go and rows.go that call it. That file says why.

package sqlite

import (
	"context"
	"database/sql/driver"
)

// maxCachedStatements bounds the cache. The dev server runs about a hundred distinct statements;
// queries with generated text (visibility list filters) should not grow it without end.
const maxCachedStatements = 256

// cachedStmt is a prepared single statement kept on its connection, keyed by its SQL text.
// busy: lent to an exec or to open rows; a second user of the same text meanwhile prepares its
// own statement, as without the cache. A connection is used by one goroutine at a time
// (database/sql), so the cache needs no lock.
type cachedStmt struct {
	s    *stmt
	busy bool
}

func (e *cachedStmt) release() { e.busy = false }

// takeStmt returns a statement for query: the cached one when it is idle (marked busy, the
// caller calls e.release when done), else a new one. A new single statement is cached (and
// returned as cached) when the cache has room or an idle entry to give up; otherwise e is nil
// and the caller owns s and closes it, as the driver does without the cache.
func (c *conn) takeStmt(query string) (s *stmt, e *cachedStmt, err error) {
	if e = c.stmtCache[query]; e != nil && !e.busy {
		e.busy = true
		return e.s, e, nil
	}
	if s, err = newStmt(c, query); err != nil {
		return nil, nil, err
	}
	if s.pstmt == 0 || c.stmtCache[query] != nil || !c.roomForStatement() {
		return s, nil, nil
	}
	if c.stmtCache == nil {
		c.stmtCache = make(map[string]*cachedStmt)
	}
	e = &cachedStmt{s: s, busy: true}
	c.stmtCache[query] = e
	return s, e, nil
}

// roomForStatement makes room for one more entry by finalizing an idle one if the cache is full.
func (c *conn) roomForStatement() bool {
	if len(c.stmtCache) < maxCachedStatements {
		return true
	}
	for q, e := range c.stmtCache {
		if !e.busy {
			e.s.Close()
			delete(c.stmtCache, q)
			return true
		}
	}
	return false
}

// execCached is conn.exec with the cache.
func (c *conn) execCached(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, e, err := c.takeStmt(query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		r, err := s.exec(ctx, args)
		if err2 := s.Close(); err2 != nil && err == nil {
			err = err2
		}
		return r, err
	}
	// stmt.exec resets the statement and clears its bindings on every path.
	defer e.release()
	return s.exec(ctx, args)
}

// queryCached runs a query on the cached statement e (s is e's); the rows release it when they
// are closed, resetting it rather than finalizing it (the driver's reuseStmt).
func (c *conn) queryCached(ctx context.Context, query string, s *stmt, e *cachedStmt, args []driver.NamedValue) (driver.Rows, error) {
	r, err := s.query(ctx, args)
	if err != nil {
		e.release()
		return nil, err
	}
	if rs, ok := r.(*rows); ok && rs.reuseStmt && rs.pstmt == s.pstmt {
		rs.onClose = e.release
		return r, nil
	}
	// The rows own the handle now (they finalize it when closed): the entry must go.
	delete(c.stmtCache, query)
	return r, nil
}

// dropStatements finalizes every cached statement (the connection is closing).
func (c *conn) dropStatements() {
	for q, e := range c.stmtCache {
		e.s.Close()
		delete(c.stmtCache, q)
	}
}

// CachedStatements says how many statements the connection keeps prepared (for the tests in
// deploy/temporal-build, through database/sql's Conn.Raw).
func (c *conn) CachedStatements() int { return len(c.stmtCache) }
