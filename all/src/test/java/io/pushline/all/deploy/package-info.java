/**
 * Tests of the deployment files (Dockerfile, docker-compose.yml, deploy/nginx) and of docs/configuration.md
 * against the code and the build: no Docker engine needed, so they run as unit tests everywhere.
 */
package io.pushline.all.deploy;
