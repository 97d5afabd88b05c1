package storage

import "context"

// TallyFoldLockID is the advisory lock a PostgreSQL fold holds, for tests.
const TallyFoldLockID = tallyFoldLockID

// MigrateDownTo rolls the schema back to version v, for the upgrade tests.
func (db *DB) MigrateDownTo(ctx context.Context, v int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}
