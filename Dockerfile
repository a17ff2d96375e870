# syntax=docker/dockerfile:1
# Pushline image: the three runnable jars on a JRE, run as a non-root user.
#   docker build -t pushline .
#   docker run pushline java -jar /app/pushline-gateway.jar --help     # the settings of one jar
#   docker run -p 1234:1234 -p 127.0.0.1:5678:5678 -e PUSHLINE_INGEST_HOST=0.0.0.0 pushline
#                                                                       # all-in-one, in-memory broker
# The ingest binds 127.0.0.1 by default, which inside a container means "unreachable from outside it": bind it to
# 0.0.0.0 on purpose and publish it on the host's loopback only, because whoever reaches it can push to anyone.
# docker-compose.yml runs a multi-node cluster from this image.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps the Maven distribution and the dependencies between builds, outside every layer, so a
# source change rebuilds without downloading again (it needs BuildKit, the default builder since Docker 23).
RUN --mount=type=cache,target=/root/.m2 ./mvnw -q -B package -DskipTests

FROM eclipse-temurin:17-jre
# A fixed numeric uid, so that orchestrators can check runAsNonRoot without reading /etc/passwd.
RUN groupadd --system --gid 10001 pushline \
 && useradd --system --uid 10001 --gid pushline --no-create-home --shell /usr/sbin/nologin pushline
WORKDIR /app
COPY --from=build /src/all/target/pushline-all.jar /app/pushline-all.jar
COPY --from=build /src/gateway/target/pushline-gateway.jar /app/pushline-gateway.jar
COPY --from=build /src/ingest/target/pushline-ingest.jar /app/pushline-ingest.jar
USER 10001:10001
# The JVM's default heap is a quarter of the container's memory limit; a container runs nothing else.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError"
# 1234: WebSockets (gateway). 5678: ingest lines (loopback-only by default, see above).
EXPOSE 1234 5678
# Exec form: java is PID 1 and receives SIGTERM itself, so a stop closes every WebSocket with 1001.
CMD ["java", "-jar", "/app/pushline-all.jar"]
