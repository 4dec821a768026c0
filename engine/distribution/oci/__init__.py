"""OCI registries: the client (every manifest and blob verified by digest while streaming), auth
(Basic and Bearer-token challenges), credentials, the artifact layout, pull, publish and search."""
