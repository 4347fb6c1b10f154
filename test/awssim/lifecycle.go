package awssim

import (
	"context"
	"strings"
	"time"
)

// Lifecycle holds the timings of the simulated instance lifecycle and of
// the reconciler that drives it.
type Lifecycle struct {
	// BootDelay is how long an instance stays pending before it runs (and,
	// in a group, goes InService).
	BootDelay time.Duration
	// ShutdownDelay is how long an instance stays shutting-down before it
	// is terminated.
	ShutdownDelay time.Duration
	// TerminatedRetention is how long a terminated instance stays
	// describable before it disappears. EC2 keeps them for about an hour;
	// the default is shorter, to keep a sandbox's listings small.
	TerminatedRetention time.Duration
	// Tick is how often Run reconciles.
	Tick time.Duration
}

// DefaultLifecycle returns the timings of a new Cloud: one second to boot,
// one to shut down, terminated instances kept for a minute, and a
// reconciliation every 100 milliseconds.
func DefaultLifecycle() Lifecycle {
	return Lifecycle{
		BootDelay:           time.Second,
		ShutdownDelay:       time.Second,
		TerminatedRetention: time.Minute,
		Tick:                100 * time.Millisecond,
	}
}

// SetLifecycle replaces the lifecycle timings. Negative delays count as
// zero; a Tick that is not positive keeps the default. Run picks up a new
// Tick when it is next started.
func (c *Cloud) SetLifecycle(l Lifecycle) {
	l.BootDelay = max(l.BootDelay, 0)
	l.ShutdownDelay = max(l.ShutdownDelay, 0)
	l.TerminatedRetention = max(l.TerminatedRetention, 0)
	if l.Tick <= 0 {
		l.Tick = DefaultLifecycle().Tick
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lifecycle = l
}

// Lifecycle returns the lifecycle timings.
func (c *Cloud) Lifecycle() Lifecycle {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lifecycle
}

// Run reconciles the Cloud at once and then every Lifecycle().Tick, until
// ctx ends. It is what makes the Cloud act on its own, as AWS does: a
// sandbox runs it in a goroutine; tests that want full control of time call
// Reconcile instead, with a clock set by SetClock.
func (c *Cloud) Run(ctx context.Context) {
	c.Reconcile()
	ticker := time.NewTicker(c.Lifecycle().Tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			c.Reconcile()
		}
	}
}

// Reconcile does, once, what AWS does continuously, at the current time of
// the Cloud's clock:
//
//   - instances move along their lifecycle: pending to running after
//     BootDelay, shutting-down to terminated after ShutdownDelay, and
//     terminated instances are removed after TerminatedRetention;
//   - Auto Scaling health checks: a group member that was stopped or
//     terminated outside Auto Scaling is marked Unhealthy and replaced;
//   - every group is brought to its desired capacity: instances are
//     launched into the zones with the fewest instances, never above
//     MaxSize, and surplus instances are terminated by the default
//     termination policy (see reconcileGroupLocked).
//
// Each instance moves at most one step per call, so that every state is
// observable for at least one reconciliation.
func (c *Cloud) Reconcile() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.advanceLocked(now)
	c.healthCheckLocked(now)
	for _, name := range c.groupNames {
		c.reconcileGroupLocked(name, now)
	}
}

// advanceLocked moves every instance whose delay has passed one step along
// its lifecycle.
func (c *Cloud) advanceLocked(now time.Time) {
	for _, id := range append(sortedKeys(nil), c.instanceIDs...) {
		inst := cloneInstance(c.instances[id])
		since, ok := c.stateSince[id]
		if !ok {
			c.stateSince[id] = now
			continue
		}
		elapsed := now.Sub(since)
		switch inst.State {
		case StatePending:
			if elapsed < c.lifecycle.BootDelay {
				continue
			}
			inst.State = StateRunning
			if strings.HasPrefix(inst.LifecycleState, "Pending") {
				inst.LifecycleState = ""
			}
			c.putInstanceLocked(inst)
			c.finishActivitiesLocked(inst, now, false)
		case StateShuttingDown:
			if elapsed < c.lifecycle.ShutdownDelay {
				continue
			}
			inst.State = StateTerminated
			inst.LifecycleState = ""
			c.putInstanceLocked(inst)
			c.finishActivitiesLocked(inst, now, true)
		case StateTerminated:
			if elapsed >= c.lifecycle.TerminatedRetention {
				c.removeLocked(inst)
			}
		}
	}
}

// healthCheckLocked does what the EC2 health checks of Auto Scaling do: a
// member that is stopping, stopped or shutting down without Auto Scaling
// having asked for it is marked Unhealthy and taken out of service; a
// stopped one is terminated. The group then launches a replacement.
func (c *Cloud) healthCheckLocked(now time.Time) {
	for _, name := range c.groupNames {
		for _, id := range append(sortedKeys(nil), c.members[name]...) {
			inst := cloneInstance(c.instances[id])
			switch inst.State {
			case StateStopping, StateStopped, StateShuttingDown:
			default:
				continue
			}
			if strings.HasPrefix(inst.LifecycleState, "Terminating") {
				continue
			}
			inst.HealthStatus = "Unhealthy"
			inst.LifecycleState = "Terminating"
			inst.State = StateShuttingDown
			c.putInstanceLocked(inst)
			c.recordActivityLocked(activityTerminate, ScalingActivity{
				Group:       name,
				InstanceID:  id,
				Description: "Terminating EC2 instance: " + id,
				Cause: "At " + causeTime(now) + " an instance was taken out of service in response to an EC2 health check " +
					"indicating it has been terminated or stopped.",
				Details:   placementDetails(inst),
				StartTime: now,
			})
		}
	}
}
