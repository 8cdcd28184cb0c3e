//! doimoi-hub: placeholder library until the hub issue lands; see ARCHITECTURE.md.
