package storage_test

import (
	"errors"

	"decisionflow/workflow"
)

func asError(err error, target **workflow.Error) bool { return errors.As(err, target) }
