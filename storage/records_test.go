package storage_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"decisionflow/storage"
	"decisionflow/storage/pgtest"
	"decisionflow/workflow"
)

// TestBadInput: malformed data is EINVALID naming the field, and changes nothing.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.advance(t, workflow.StateRiskAssessment)
		before := len(h.history(t, d.ID))
		cases := []struct {
			name, event, data, field string
		}{
			{"unknown event", "skip_everything", `{}`, "event"},
			{"unknown field", workflow.EventCompleteRiskAssessment, `{"risk_points":"a","measures":"b","response_plan":"c","consulted_departments":[],"conclusion":"controllable","extra":1}`, "data.extra"},
			{"wrong type", workflow.EventCompleteRiskAssessment, `{"risk_points":1}`, "data.risk_points"},
			{"not an object", workflow.EventCompleteRiskAssessment, `[1,2]`, "data"},
			{"malformed JSON", workflow.EventCompleteRiskAssessment, `{"risk_points":`, "data"},
			{"missing array", workflow.EventCompleteRiskAssessment, `{"risk_points":"a","measures":"b","response_plan":"c","conclusion":"controllable"}`, "data.consulted_departments"},
			{"bad enumeration", workflow.EventCompleteRiskAssessment, `{"risk_points":"a","measures":"b","response_plan":"c","consulted_departments":[],"conclusion":"maybe"}`, "data.conclusion"},
			{"too long", workflow.EventCompleteRiskAssessment, `{"risk_points":"` + strings.Repeat("长", workflow.MaxText+1) + `","measures":"b","response_plan":"c","consulted_departments":[],"conclusion":"controllable"}`, "data.risk_points"},
			{"NUL character", workflow.EventWithdraw, `{"reason":"a\u0000b"}`, "data.reason"},
			{"bad date", workflow.EventWithdraw, `{"reason":"x","date":"2026-13-01"}`, "data.date"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				actor := staff
				if def, ok := workflow.LookupEvent(c.event); ok {
					actor = users[def.Role]
				}
				_, err := h.eng.Fire(h.ctx, actor, d.ID, c.event, []byte(c.data), 0)
				wantCode(t, err, workflow.EINVALID, "")
				var we *workflow.Error
				asError(err, &we)
				if len(we.Fields) == 0 || we.Fields[0].Field != c.field {
					t.Fatalf("fields = %+v, want %s first", we.Fields, c.field)
				}
			})
		}
		if n := len(h.history(t, d.ID)); n != before {
			t.Fatalf("journal has %d entries after refusals, want %d", n, before)
		}
		t.Run("meeting date", func(t *testing.T) {
			c := h.advance(t, workflow.StateCollectiveDecision)
			m := h.meeting()
			m.HeldOn = "10 May"
			_, err := h.eng.Fire(h.ctx, head, c.ID, workflow.EventApprove, mustJSON(t, workflow.MeetingData{Meeting: m}), 0)
			wantCode(t, err, workflow.EINVALID, "")
		})
		t.Run("title too long", func(t *testing.T) {
			_, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: strings.Repeat("题", 201), Category: "plan", UndertakingUnit: "u"}))
			wantCode(t, err, workflow.EINVALID, "")
		})
		t.Run("unknown category", func(t *testing.T) {
			_, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: "t", Category: "tax", UndertakingUnit: "u"}))
			wantCode(t, err, workflow.EINVALID, "")
		})
		t.Run("comment too long", func(t *testing.T) {
			_, err := h.eng.AddPublicComment(h.ctx, d.ID, workflow.PublicCommentInput{Content: strings.Repeat("言", workflow.MaxComment+1)})
			wantCode(t, err, workflow.EINVALID, "")
		})
		t.Run("not found", func(t *testing.T) {
			_, err := h.eng.Fire(h.ctx, staff, 999999, workflow.EventSubmitDraft, nil, 0)
			wantCode(t, err, workflow.ENOTFOUND, "")
			_, err = h.eng.Decision(h.ctx, staff, 999999)
			wantCode(t, err, workflow.ENOTFOUND, "")
			_, err = h.eng.History(h.ctx, staff, 999999)
			wantCode(t, err, workflow.ENOTFOUND, "")
		})
		t.Run("stale If-Match", func(t *testing.T) {
			cur, _ := h.eng.Decision(h.ctx, staff, d.ID)
			_, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventCompleteRiskAssessment, mustJSON(t, h.validData(workflow.EventCompleteRiskAssessment)), cur.Version-1)
			wantCode(t, err, workflow.EVERSION, "")
			got, err := h.eng.Fire(h.ctx, staff, d.ID, workflow.EventCompleteRiskAssessment, mustJSON(t, h.validData(workflow.EventCompleteRiskAssessment)), cur.Version)
			if err != nil || got.Version != cur.Version+1 {
				t.Fatalf("fire with current If-Match: %v, version %v", err, got)
			}
		})
	})
}

// TestRecords: drafts keep every version; comments and opinions list newest
// first; public consultations show only open windows, without contacts.
func TestRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.create(t)
		h.saveDraft(t, d.ID)
		if _, err := h.eng.SaveDraft(h.ctx, staff, d.ID, workflow.DraftInput{Text: "第二稿", LegalBases: []string{"《条例》"}}, 0); err != nil {
			t.Fatal(err)
		}
		drafts, err := h.eng.Drafts(h.ctx, legal, d.ID)
		if err != nil || len(drafts) != 2 || drafts[0].Version != 2 || drafts[0].Text != "第二稿" || drafts[1].Version != 1 {
			t.Fatalf("drafts = %+v, %v", drafts, err)
		}
		// sha256 of the text, as docs/design.md says.
		if sum := sha256.Sum256([]byte("第二稿")); drafts[0].SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("draft sha256 = %s, want the SHA-256 of its text", drafts[0].SHA256)
		}
		h.fire(t, staff, d.ID, workflow.EventSubmitDraft, nil)
		if list, _ := h.eng.Consultations(h.ctx); len(list) != 0 {
			t.Fatalf("consultations before a period: %+v", list)
		}
		h.setPeriod(t, d.ID)
		list, err := h.eng.Consultations(h.ctx)
		if err != nil || len(list) != 1 || list[0].ID != d.ID || list[0].DraftText != "第二稿" {
			t.Fatalf("consultations = %+v, %v", list, err)
		}
		for i := 0; i < 3; i++ {
			if _, err := h.eng.AddPublicComment(h.ctx, d.ID, workflow.PublicCommentInput{Content: "意见" + itoa(int64(i)), Contact: "phone"}); err != nil {
				t.Fatal(err)
			}
		}
		comments, err := h.eng.Comments(h.ctx, head, d.ID)
		if err != nil || len(comments) != 3 || comments[0].Content != "意见2" {
			t.Fatalf("comments = %+v, %v", comments, err)
		}
		_, err = h.eng.DisposeComment(h.ctx, staff, d.ID, 999999, workflow.DispositionInput{Disposition: "adopted", Reason: "r"})
		wantCode(t, err, workflow.ENOTFOUND, "")
		_, err = h.eng.DisposeComment(h.ctx, staff, d.ID, comments[0].ID, workflow.DispositionInput{Disposition: "ignored", Reason: "r"})
		wantCode(t, err, workflow.EINVALID, "")
		h.clock.Advance(31 * 24 * time.Hour)
		if list, _ := h.eng.Consultations(h.ctx); len(list) != 0 {
			t.Fatalf("consultations after closing: %+v", list)
		}
	})
}

// TestList: newest first, filters, keyset pages.
func TestList(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		var ids []int64
		for i := 0; i < 5; i++ {
			unit := "镇城建办"
			if i%2 == 1 {
				unit = "镇农业办"
			}
			d, err := h.eng.Create(h.ctx, staff, proposed(workflow.NewDecision{Title: "决策 100%_" + itoa(int64(i)), Category: "plan", UndertakingUnit: unit}))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		h.start(t, ids[4], "镇城建办")
		h.saveDraft(t, ids[4])
		h.fire(t, staff, ids[4], workflow.EventSubmitDraft, nil)

		page, next, err := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[3] || next != ids[3] {
			t.Fatalf("page 1 = %v next %d err %v", page, next, err)
		}
		page, next, _ = h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Limit: 2, AfterID: next})
		page, next, _ = h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Limit: 2, AfterID: next})
		if len(page) != 1 || page[0].ID != ids[0] || next != 0 {
			t.Fatalf("last page = %v next %d", page, next)
		}
		if page, _, _ := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{State: workflow.StatePublicParticipation}); len(page) != 1 || page[0].ID != ids[4] {
			t.Fatalf("state filter = %v", page)
		}
		if page, _, _ := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{UndertakingUnit: "镇农业办"}); len(page) != 2 {
			t.Fatalf("unit filter = %d decisions, want 2", len(page))
		}
		if page, _, _ := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Query: "100%_3"}); len(page) != 1 || page[0].ID != ids[3] {
			t.Fatalf("q filter = %v", page)
		}
		if page, _, _ := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Query: "%"}); len(page) != 5 {
			t.Fatalf("literal %% matched %d", len(page))
		}
		if page, _, _ := h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{Query: "0%x"}); len(page) != 0 {
			t.Fatalf("wildcards were not escaped: %d", len(page))
		}
		_, _, err = h.eng.Decisions(h.ctx, head, workflow.DecisionFilter{State: "limbo"})
		wantCode(t, err, workflow.EINVALID, "")
		_, _, err = h.eng.Decisions(h.ctx, nil, workflow.DecisionFilter{})
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")
	})
}

// TestAccounts: bcrypt passwords, hashed tokens, expiry, disabled users.
func TestAccounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		acc := workflow.NewAccounts(h.db, h.clock)
		u, err := acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "wang.fang", DisplayName: "王芳", Role: workflow.RoleStaff, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "wang.fang", Role: workflow.RoleHead, Password: "another password"})
		wantCode(t, err, workflow.EEXISTS, "")
		_, err = acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "short", Role: workflow.RoleHead, Password: "123456789"})
		wantCode(t, err, workflow.EINVALID, "")
		_, err = acc.CreateUser(h.ctx, u, workflow.NewUser{Username: "sneaky", Role: workflow.RoleAdmin, Password: "0123456789"})
		wantCode(t, err, workflow.EFORBIDDEN, "")

		var hash string
		if err := h.db.SQL().QueryRow(`SELECT password_hash FROM users WHERE username = 'wang.fang'`).Scan(&hash); err != nil || !strings.HasPrefix(hash, "$2") {
			t.Fatalf("stored password is not a bcrypt hash: %q %v", hash, err)
		}
		_, _, err = acc.Login(h.ctx, "wang.fang", "wrong password")
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")
		_, _, err = acc.Login(h.ctx, "nobody", "whatever123")
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")
		token, got, err := acc.Login(h.ctx, "wang.fang", "correct horse battery")
		if err != nil || got.Role != workflow.RoleStaff {
			t.Fatalf("login: %v %v", got, err)
		}
		var stored string
		if err := h.db.SQL().QueryRow(`SELECT token_hash FROM api_tokens`).Scan(&stored); err != nil || stored != workflow.HashToken(token) || strings.Contains(stored, token) {
			t.Fatalf("token stored as %q, want only its hash", stored)
		}
		if me, err := acc.Authenticate(h.ctx, token); err != nil || me.Username != "wang.fang" {
			t.Fatalf("authenticate: %v %v", me, err)
		}
		h.clock.Advance(workflow.TokenTTL + time.Second)
		_, err = acc.Authenticate(h.ctx, token)
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")

		token, _, _ = acc.Login(h.ctx, "wang.fang", "correct horse battery")
		adm := &workflow.User{Role: workflow.RoleAdmin, Username: "admin"}
		yes := true
		if _, err := acc.UpdateUser(h.ctx, adm, "wang.fang", workflow.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		_, err = acc.Authenticate(h.ctx, token)
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")
		_, _, err = acc.Login(h.ctx, "wang.fang", "correct horse battery")
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")
		list, err := acc.Users(h.ctx, adm)
		if err != nil || len(list) != 1 || !list[0].Disabled {
			t.Fatalf("users = %+v %v", list, err)
		}
	})
}

// TestMigrate: migrating twice is a no-op; two migrations racing on one
// empty database both succeed and apply the schema once; a database newer
// than the binary is refused.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	t.Run("postgres race", func(t *testing.T) {
		dsn := pgtest.Default(t).EmptyDatabase(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				db, err := storage.Open(ctx, dsn)
				if err != nil {
					errs[i] = err
					return
				}
				defer db.Close()
				_, errs[i] = db.Migrate(ctx)
			}(i)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent migrate: %v", err)
			}
		}
		db, _ := storage.Open(ctx, dsn)
		defer db.Close()
		var n, distinct int
		if err := db.SQL().QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n, &distinct); err != nil || n != distinct {
			t.Fatalf("%d migration rows for %d versions (%v): a migration ran twice", n, distinct, err)
		}
		if _, known, _ := db.SchemaVersions(ctx); int64(distinct) != known {
			t.Fatalf("%d migrations applied, want %d", distinct, known)
		}
		if ok, err := db.SchemaCurrent(ctx); !ok || err != nil {
			t.Fatalf("schema current = %v %v", ok, err)
		}
	})
	for _, dialect := range []storage.Dialect{storage.Postgres, storage.SQLite} {
		t.Run(string(dialect)+" newer schema", func(t *testing.T) {
			db := openStore(t, dialect)
			if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
				t.Fatalf("second migrate applied %v, %v", applied, err)
			}
			if _, err := db.SQL().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("migrate on a newer schema: %v, want refusal", err)
			}
			if ok, _ := db.SchemaCurrent(ctx); ok {
				t.Fatal("a newer schema reported current")
			}
		})
	}
}

// TestPurge: expired tokens and old finished idempotency records go; live
// tokens, recent and pending records stay.
func TestPurge(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		acc := workflow.NewAccounts(h.db, h.clock)
		u, err := acc.CreateUser(h.ctx, nil, workflow.NewUser{Username: "wang", Role: workflow.RoleStaff, Password: "0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		old, _ := acc.IssueToken(h.ctx, u)
		h.clock.Advance(workflow.TokenTTL + time.Hour)
		live, _ := acc.IssueToken(h.ctx, u)
		now := h.clock.Now()
		for i, r := range []workflow.IdempotencyRecord{
			{Scope: "user:1", Key: "old-done", RequestHash: "h", CreatedAt: now.Add(-48 * time.Hour)},
			{Scope: "user:1", Key: "old-pending", RequestHash: "h", CreatedAt: now.Add(-48 * time.Hour)},
			{Scope: "user:1", Key: "new-done", RequestHash: "h", CreatedAt: now},
		} {
			if _, err := h.db.ReserveIdempotencyKey(h.ctx, &r, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if i != 1 {
				r.Status, r.Header, r.Body = 201, []byte("{}"), []byte("{}")
				if err := h.db.CompleteIdempotencyKey(h.ctx, &r); err != nil {
					t.Fatal(err)
				}
			}
		}
		tokens, keys, err := h.db.Purge(h.ctx, now, now.Add(-24*time.Hour))
		if err != nil || tokens != 1 || keys != 1 {
			t.Fatalf("purged %d tokens and %d keys (%v), want 1 and 1", tokens, keys, err)
		}
		if _, err := acc.Authenticate(h.ctx, live); err != nil {
			t.Fatalf("the live token was purged: %v", err)
		}
		_, err = acc.Authenticate(h.ctx, old)
		wantCode(t, err, workflow.EUNAUTHENTICATED, "")
	})
}
