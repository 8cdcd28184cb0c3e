//! Harness for end-to-end scenarios (real hub, real clients); filled by the hub issue.
