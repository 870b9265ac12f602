//! Lakes on S3 (or any S3-compatible store: MinIO, Ceph, moto): `s3://bucket/prefix`.
//!
//! Credentials, region and endpoint come from where every AWS tool looks, in this order:
//! 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//!    `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` (and every other `AWS_*` key
//!    object_store knows, e.g. `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` on EKS);
//! 2. the shared files of the profile `AWS_PROFILE` (else `default`): `~/.aws/credentials`
//!    (`AWS_SHARED_CREDENTIALS_FILE`) for the keys and `~/.aws/config` (`AWS_CONFIG_FILE`) for
//!    `region` and `endpoint_url`;
//! 3. the instance or container role (EC2 instance metadata, ECS task credentials), which
//!    object_store asks when no key is set.
//!
//! An `http://` endpoint (a local MinIO or moto) is allowed as given. The lake's guarantees rest
//! on S3's conditional writes: each commit is a `PUT` with `If-None-Match: *`, so of two writers
//! racing for a version exactly one wins (see [`log`](super::log)). A store that ignored the
//! header would let both win: use one that honours it (AWS S3 since August 2024, MinIO,
//! Cloudflare R2; moto in the tests).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::prefix::PrefixStore;

use super::store::LakeError;

/// Opens the store of `s3://bucket[/prefix]`, rooted at the prefix.
pub(crate) fn open(url: &str, rest: &str) -> Result<Arc<dyn ObjectStore>, LakeError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(LakeError::BadUrl {
            url: url.into(),
            why: "it names no bucket; write s3://bucket/prefix",
        });
    }
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    for (key, value) in shared_settings(&Env::process()) {
        // The environment wins: apply a file's setting only where no variable gave one.
        if builder.get_config_value(&key).is_none() {
            builder = builder.with_config(key, value);
        }
    }
    if builder
        .get_config_value(&AmazonS3ConfigKey::Endpoint)
        .is_some_and(|endpoint| endpoint.starts_with("http://"))
    {
        builder = builder.with_allow_http(true);
    }
    let store = builder.build().map_err(|source| LakeError::S3 {
        url: url.into(),
        source,
    })?;
    let prefix = prefix.trim_matches('/');
    Ok(if prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    })
}

/// The environment the shared files are found through (a seam for tests).
struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    fn process() -> Env {
        Env {
            vars: std::env::vars().collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn file(&self, override_key: &str, default: &str) -> Option<PathBuf> {
        match self.get(override_key) {
            Some(path) => Some(PathBuf::from(path)),
            None => self
                .get("HOME")
                .map(|home| PathBuf::from(home).join(".aws").join(default)),
        }
    }
}

/// The settings the profile's shared files give: keys from the credentials file (falling back
/// to the config file, where the AWS CLI also accepts them), region and endpoint from config.
fn shared_settings(env: &Env) -> Vec<(AmazonS3ConfigKey, String)> {
    let profile = env.get("AWS_PROFILE").unwrap_or("default");
    let read = |path: Option<PathBuf>| {
        path.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    let credentials = section(
        &read(env.file("AWS_SHARED_CREDENTIALS_FILE", "credentials")),
        profile,
    );
    // In the config file every profile but `default` is written `[profile NAME]`.
    let config_header = if profile == "default" {
        "default".to_owned()
    } else {
        format!("profile {profile}")
    };
    let config = section(&read(env.file("AWS_CONFIG_FILE", "config")), &config_header);
    let pick = |name: &str| credentials.get(name).or_else(|| config.get(name)).cloned();
    let mut settings = Vec::new();
    for (name, key) in [
        ("aws_access_key_id", AmazonS3ConfigKey::AccessKeyId),
        ("aws_secret_access_key", AmazonS3ConfigKey::SecretAccessKey),
        ("aws_session_token", AmazonS3ConfigKey::Token),
    ] {
        if let Some(value) = pick(name) {
            settings.push((key, value));
        }
    }
    if let Some(region) = config.get("region") {
        settings.push((AmazonS3ConfigKey::Region, region.clone()));
    }
    if let Some(endpoint) = config.get("endpoint_url") {
        settings.push((AmazonS3ConfigKey::Endpoint, endpoint.clone()));
    }
    settings
}

/// The `key = value` lines of one `[header]` section of an INI file (keys lower case).
fn section(text: &str, header: &str) -> HashMap<String, String> {
    let mut inside = false;
    let mut values = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.split_whitespace().collect::<Vec<_>>().join(" ") == header;
            continue;
        }
        if inside && let Some((key, value)) = line.split_once('=') {
            values.insert(key.trim().to_lowercase(), value.trim().to_owned());
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &std::path::Path, extra: &[(&str, &str)]) -> Env {
        let mut vars: HashMap<String, String> =
            [("HOME".to_owned(), dir.display().to_string())].into();
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        Env { vars }
    }

    fn write(dir: &std::path::Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(dir.join(".aws").join(name), text).unwrap();
    }

    #[test]
    fn the_profile_s_keys_region_and_endpoint_are_read() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "credentials",
            "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n\n\
             [lake]\naws_access_key_id=AKIALAKE\naws_secret_access_key=s2\n",
        );
        write(
            dir.path(),
            "config",
            "[default]\nregion = eu-west-1\n[profile lake]\nregion = eu-north-1\n\
             endpoint_url = http://127.0.0.1:9000\n",
        );
        let default = shared_settings(&env(dir.path(), &[]));
        assert!(default.contains(&(AmazonS3ConfigKey::AccessKeyId, "AKIADEFAULT".into())));
        assert!(default.contains(&(AmazonS3ConfigKey::Region, "eu-west-1".into())));
        assert!(
            !default
                .iter()
                .any(|(k, _)| *k == AmazonS3ConfigKey::Endpoint)
        );

        let lake = shared_settings(&env(dir.path(), &[("AWS_PROFILE", "lake")]));
        assert!(lake.contains(&(AmazonS3ConfigKey::AccessKeyId, "AKIALAKE".into())));
        assert!(lake.contains(&(AmazonS3ConfigKey::SecretAccessKey, "s2".into())));
        assert!(lake.contains(&(AmazonS3ConfigKey::Region, "eu-north-1".into())));
        assert!(lake.contains(&(AmazonS3ConfigKey::Endpoint, "http://127.0.0.1:9000".into())));
    }

    #[test]
    fn no_files_give_no_settings() {
        let dir = tempfile::tempdir().unwrap();
        assert!(shared_settings(&env(dir.path(), &[])).is_empty());
        let elsewhere = dir.path().join("creds");
        std::fs::write(&elsewhere, "[default]\naws_access_key_id = AKIAFILE\n").unwrap();
        let settings = shared_settings(&env(
            dir.path(),
            &[("AWS_SHARED_CREDENTIALS_FILE", elsewhere.to_str().unwrap())],
        ));
        assert_eq!(
            settings,
            [(AmazonS3ConfigKey::AccessKeyId, "AKIAFILE".to_owned())]
        );
    }
}
