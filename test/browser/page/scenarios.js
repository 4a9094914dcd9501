// Runs in the test page, beside Adobe's Web SDK: each scenario drives alloy as a site would and
// returns what alloy gave the page. The test reads the service's report afterwards.
/* global alloy */
'use strict';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const outcome = (promise) =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error: String(error && error.message ? error.message : error) }),
  );

async function configure(config) {
  await alloy('configure', {
    datastreamId: config.datastreamId,
    orgId: config.orgId,
    edgeDomain: config.edgeDomain,
    edgeBasePath: 'ee',
    thirdPartyCookiesEnabled: false,
    streamingMedia: {
      channel: 'rig-channel',
      playerName: 'rig-player',
      appVersion: 'rig-1.0',
      mainPingInterval: 10,
      adPingInterval: 1,
    },
  });
}

/** Automatic tracking of the page's real <video>: alloy asks the player for its playhead. */
async function automatic(config) {
  await configure(config);
  const video = document.getElementById('video');
  let bitrate = 1000;
  const getPlayerDetails = () => ({
    playhead: video.currentTime,
    qoeDataDetails: { bitrate, droppedFrames: 0, framesPerSecond: 25, timeToStart: 1 },
  });
  const playerId = 'video-player';
  const session = await alloy('createMediaSession', {
    playerId,
    getPlayerDetails,
    xdm: {
      mediaCollection: {
        sessionDetails: {
          name: 'rig-automatic',
          friendlyName: 'Rig (automatic)',
          length: config.mediaSeconds,
          contentType: 'VOD',
        },
      },
    },
  });
  const send = (eventType, mediaCollection = {}) =>
    alloy('sendMediaEvent', { playerId, xdm: { eventType, mediaCollection } });
  const sent = [];
  const track = (promise, name) => sent.push(outcome(promise).then((o) => ({ name, ...o })));
  video.addEventListener('playing', () => track(send('media.play'), 'play'));
  let over = false;
  video.addEventListener('pause', () => {
    if (!over) track(send('media.pauseStart'), 'pauseStart');
  });

  await send('media.adBreakStart', {
    advertisingPodDetails: { friendlyName: 'pre-roll', index: 1, offset: 0 },
  });
  await send('media.adStart', {
    advertisingDetails: { friendlyName: 'Rig ad', name: 'rig-ad-1', podPosition: 1, length: 3 },
  });
  await send('media.play'); // the ad plays
  await sleep(3500); // alloy pings every second during the ad
  await send('media.adComplete');
  await send('media.adBreakComplete');
  await send('media.chapterStart', {
    chapterDetails: {
      friendlyName: 'Chapter one',
      index: 1,
      offset: 0,
      length: config.mediaSeconds,
    },
  });
  await video.play();
  await sleep(11000); // one main ping, 10 s after the last event
  video.pause();
  await sleep(1000);
  await video.play();
  await sleep(500);
  bitrate = 2000;
  await send('media.bitrateChange');
  await send('media.statesUpdate', { statesStart: [{ name: 'fullScreen' }] });
  await send('media.bufferStart');
  await sleep(800);
  await send('media.play');
  await send('media.error', { errorDetails: { name: 'rig-error', source: 'player' } });
  await sleep(1000);
  await send('media.chapterComplete');
  await send('media.sessionComplete');
  await send('media.sessionEnd');
  over = true;
  video.pause();
  return {
    sessionId: session.sessionId,
    playhead: video.currentTime,
    tracked: await Promise.all(sent),
  };
}

/** The legacy tracker (getMediaAnalyticsTracker): the same story through Adobe's older API. */
async function legacy(config) {
  await configure(config);
  const Media = await alloy('getMediaAnalyticsTracker', {});
  const tracker = Media.getInstance();
  let playhead = 0;
  const advance = async (seconds) => {
    for (let i = 0; i < seconds; i += 1) {
      await sleep(1000);
      playhead += 1;
      tracker.updatePlayhead(playhead);
    }
  };
  const media = Media.createMediaObject(
    'Rig (legacy)',
    'rig-legacy',
    config.mediaSeconds,
    Media.StreamType.VOD,
    Media.MediaType.Video,
  );
  const started = await tracker.trackSessionStart(media, {
    'a.media.show': 'Rig show',
    tier: 'gold',
  });
  tracker.updatePlayhead(0);
  await tracker.trackEvent(Media.Event.AdBreakStart, Media.createAdBreakObject('pre-roll', 1, 0));
  await tracker.trackEvent(Media.Event.AdStart, Media.createAdObject('Rig ad', 'rig-ad-1', 1, 3));
  await tracker.trackPlay();
  await sleep(3500);
  await tracker.trackEvent(Media.Event.AdComplete);
  await tracker.trackEvent(Media.Event.AdBreakComplete);
  await tracker.trackEvent(
    Media.Event.ChapterStart,
    Media.createChapterObject('Chapter one', 1, config.mediaSeconds, 0),
  );
  await tracker.trackPlay();
  await advance(11);
  await tracker.trackPause();
  await sleep(1000);
  await tracker.trackPlay();
  await advance(1);
  tracker.updateQoEObject(Media.createQoEObject(2000, 1, 25, 0));
  await tracker.trackEvent(Media.Event.BitrateChange);
  await tracker.trackEvent(Media.Event.StateStart, Media.createStateObject('fullScreen'));
  await tracker.trackEvent(Media.Event.BufferStart);
  await sleep(800);
  await tracker.trackEvent(Media.Event.BufferComplete);
  await tracker.trackError('rig-error');
  await advance(1);
  await tracker.trackEvent(Media.Event.ChapterComplete);
  await tracker.trackComplete();
  await tracker.trackSessionEnd();
  return { started: started === undefined ? null : started };
}

/** Manual mode: the page owns the session id and the playhead; alloy sends what it is given. */
async function manual(config) {
  await configure(config);
  const session = await alloy('createMediaSession', {
    xdm: {
      mediaCollection: {
        playhead: 0,
        sessionDetails: {
          name: 'rig-manual',
          friendlyName: 'Rig (manual)',
          length: config.mediaSeconds,
          contentType: 'VOD',
        },
      },
    },
  });
  const sessionID = session.sessionId;
  const send = (eventType, playhead, extra = {}) =>
    outcome(
      alloy('sendMediaEvent', {
        xdm: { eventType, mediaCollection: { playhead, sessionID, ...extra } },
      }),
    );
  const results = {};
  results.play = await send('media.play', 0);
  await sleep(config.pauseMs || 0);
  results.ping = await send('media.ping', 2);
  results.pause = await send('media.pauseStart', 3);
  results.resume = await send('media.play', 3);
  results.complete = await send('media.sessionComplete', 5);
  results.end = await send('media.sessionEnd', 5);
  results.afterEnd = await send('media.play', 6);
  results.unknown = await outcome(
    alloy('sendMediaEvent', {
      xdm: {
        eventType: 'media.play',
        mediaCollection: { playhead: 0, sessionID: 'not-a-real-session' },
      },
    }),
  );
  return { sessionId: sessionID, results, cookies: document.cookie };
}

window.scenarios = { automatic, legacy, manual };
