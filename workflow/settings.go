package workflow

import (
	"fmt"
	"time"
)

// Settings are the engine's tunables of workflow.md.
type Settings struct {
	Policy       Policy
	MinExperts   int
	MinAttendees int
	Location     *time.Location
	// HearingNoticeDays is how many days a hearing is announced before it
	// is held at least (lifecycle.md; provincial practice: 10).
	HearingNoticeDays int
	// HearingMaterialsDays is how many days before the hearing its
	// materials go to the participants at least (Art 16 ¶3: never below 7).
	HearingMaterialsDays int
}

// DefaultSettings returns the defaults of workflow.md.
func DefaultSettings() Settings {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	return Settings{Policy: PolicyAllFive, MinExperts: 1, MinAttendees: 3, Location: loc, HearingNoticeDays: 10,
		HearingMaterialsDays: HearingMaterialsDays}
}

// Validate reports settings the engine cannot run with.
func (s Settings) Validate() error {
	switch {
	case !s.Policy.Valid():
		return fmt.Errorf("policy %q: want all-five or statutory", s.Policy)
	case s.MinExperts < 1:
		return fmt.Errorf("min_experts %d: want at least 1", s.MinExperts)
	case s.MinAttendees < 3:
		// Art 30: a collective decision is taken by a meeting, never by one or two.
		return fmt.Errorf("min_attendees %d: want at least 3", s.MinAttendees)
	case s.HearingNoticeDays < 1:
		return fmt.Errorf("hearing_notice_days %d: want at least 1", s.HearingNoticeDays)
	case s.HearingMaterialsDays < HearingMaterialsDays:
		return fmt.Errorf("hearing_materials_days %d: Art 16 wants at least %d", s.HearingMaterialsDays, HearingMaterialsDays)
	case s.Location == nil:
		return fmt.Errorf("no time zone")
	}
	return nil
}
