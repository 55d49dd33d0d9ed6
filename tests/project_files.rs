//! Sample projects survive load → save → load unchanged, and saving keeps a backup.

use std::path::Path;

use tierlab::data::project_io::{backup_path, load_project, save_project, to_ron_string};

#[test]
fn samples_round_trip_through_save() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["coffee-chain.ron", "fashion-retailer.ron", "cdnow.ron"] {
        let original = load_project(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("projects")
                .join(name),
        )
        .unwrap();
        assert!(original.is_valid(), "{name}: {:?}", original.validate());
        let copy = dir.path().join(name);
        save_project(&copy, &original).unwrap();
        let text = std::fs::read_to_string(&copy).unwrap();
        let reloaded = load_project(&copy).unwrap();
        assert_eq!(reloaded, original, "{name}");
        assert_eq!(
            to_ron_string(&reloaded).unwrap(),
            text,
            "{name}: the text is stable"
        );
        // A second save keeps the first as the backup.
        save_project(&copy, &reloaded).unwrap();
        assert_eq!(std::fs::read_to_string(backup_path(&copy)).unwrap(), text);
        // Diff-friendly: one field per line, no field order that depends on hashing.
        assert!(text.lines().count() > 100, "{name} is pretty-printed");
    }
}
