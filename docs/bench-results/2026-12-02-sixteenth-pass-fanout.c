// Cross-check of broadcast --floor, docs/benchmarks.md, sixteenth pass. Build and run:
//   gcc -O2 -Wall -pthread -o fanout 2026-12-02-sixteenth-pass-fanout.c && ./fanout 10000 2 40
// (connections, writer threads = reader threads, rounds; a round every 500 ms after the last one ended).
// Machine floor for a broadcast: K loopback TCP connections, the "server" process writes one small
// frame to each from W threads, the "client" process reads them with epoll from R threads.
// Reports, per round, the time from the first write to the last byte read, and both sides' CPU.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>
#include <stdatomic.h>
#include <errno.h>

static int K = 10000, W = 2, R = 2, ROUNDS = 40, FRAME = 66;
static long now_ns(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000L+t.tv_nsec;}
static long cpu_ns(void){struct rusage u;getrusage(RUSAGE_SELF,&u);return (u.ru_utime.tv_sec+u.ru_stime.tv_sec)*1000000000L+(u.ru_utime.tv_usec+u.ru_stime.tv_usec)*1000L;}
struct shared { atomic_long round; atomic_long done; atomic_long t0; atomic_long tlast; atomic_long tfirst; atomic_long ccpu; atomic_int ready; };
static struct shared *S;
static int *fds;
static pthread_barrier_t start_b, end_b;
static char frame[4096];

static void *writer(void *a){ long i=(long)a; for(int r=0;r<ROUNDS;r++){ pthread_barrier_wait(&start_b);
  for(int c=i;c<K;c+=W){ if(write(fds[c],frame,FRAME)!=FRAME){perror("write");exit(1);} }
  pthread_barrier_wait(&end_b);} return 0; }

static void *reader(void *a){ long i=(long)a; int ep=epoll_create1(0); int n=0;
  for(int c=i;c<K;c+=R){ struct epoll_event e={.events=EPOLLIN,.data.fd=fds[c]}; epoll_ctl(ep,EPOLL_CTL_ADD,fds[c],&e); n++; }
  atomic_fetch_add(&S->ready,1);
  struct epoll_event ev[512]; char buf[8192]; long got=0; long per_round=(long)n*FRAME;
  for(;;){ int m=epoll_wait(ep,ev,512,-1);
    for(int j=0;j<m;j++){ ssize_t x=read(ev[j].data.fd,buf,sizeof buf); if(x<=0){ if(x==0) return 0; continue;}
      if(got==0){ long z=0; long t=now_ns(); atomic_compare_exchange_strong(&S->tfirst,&z,t);} 
      got+=x; }
    if(got>=per_round){ got-=per_round; long t=now_ns();
      if(atomic_fetch_add(&S->done,1)==R-1){ S->tlast=t; } }
  } }

int main(int argc,char**argv){ if(argc>1)K=atoi(argv[1]); if(argc>2)W=R=atoi(argv[2]); if(argc>3)ROUNDS=atoi(argv[3]);
  memset(frame,'x',sizeof frame); frame[0]=0x81; frame[1]=FRAME-2;
  S=mmap(0,4096,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0);
  int ls=socket(AF_INET,SOCK_STREAM,0); int one=1; setsockopt(ls,SOL_SOCKET,SO_REUSEADDR,&one,4);
  struct sockaddr_in ad={.sin_family=AF_INET,.sin_port=0,.sin_addr.s_addr=htonl(0x7f000001)};
  bind(ls,(void*)&ad,sizeof ad); listen(ls,65535); socklen_t al=sizeof ad; getsockname(ls,(void*)&ad,&al);
  fds=calloc(K,sizeof(int));
  pid_t child=fork();
  if(child==0){ close(ls);
    for(int c=0;c<K;c++){ int s=socket(AF_INET,SOCK_STREAM,0); if(connect(s,(void*)&ad,sizeof ad)){perror("connect");exit(1);} 
      setsockopt(s,IPPROTO_TCP,TCP_NODELAY,&one,4); fcntl(s,F_SETFL,O_NONBLOCK); fds[c]=s; }
    pthread_t t[16]; for(long i=0;i<R;i++) pthread_create(&t[i],0,reader,(void*)i);
    long c0=cpu_ns();
    for(;;){ long r=S->round; if(r<0){ S->ccpu=cpu_ns()-c0; exit(0);} usleep(50000); }
  }
  for(int c=0;c<K;c++){ int s=accept(ls,0,0); if(s<0){perror("accept");exit(1);} setsockopt(s,IPPROTO_TCP,TCP_NODELAY,&one,4); fds[c]=s; }
  while(S->ready<R) usleep(1000);
  usleep(200000);
  pthread_barrier_init(&start_b,0,W+1); pthread_barrier_init(&end_b,0,W+1);
  pthread_t t[16]; for(long i=0;i<W;i++) pthread_create(&t[i],0,writer,(void*)i);
  long lasts[1000]; long scpu=0, wsum=0;
  for(int r=0;r<ROUNDS;r++){ S->done=0; S->tfirst=0; long c0=cpu_ns(); long t0=now_ns(); S->t0=t0;
    pthread_barrier_wait(&start_b); pthread_barrier_wait(&end_b); long tw=now_ns()-t0;
    while(S->done<R) usleep(200);
    scpu+=cpu_ns()-c0; wsum+=tw; lasts[r]=S->tlast-t0;
    printf("round %d: writes done %.1f ms, first %.2f ms, last %.1f ms\n",r,tw/1e6,(S->tfirst-t0)/1e6,lasts[r]/1e6);
    usleep(500000); }
  // median
  for(int i=0;i<ROUNDS;i++)for(int j=i+1;j<ROUNDS;j++) if(lasts[j]<lasts[i]){long x=lasts[i];lasts[i]=lasts[j];lasts[j]=x;}
  printf("K=%d threads=%d rounds=%d median last %.1f ms, min %.1f, server cpu per round %.1f ms (writes %.1f ms wall)\n",K,W,ROUNDS,lasts[ROUNDS/2]/1e6,lasts[0]/1e6,scpu/1e6/ROUNDS,wsum/1e6/ROUNDS);
  S->round=-1; int st; waitpid(child,&st,0);
  printf("reader cpu per round %.1f ms (whole run / rounds)\n", S->ccpu/1e6/ROUNDS); return 0; }
