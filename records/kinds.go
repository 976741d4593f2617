package records

import "github.com/iosbackup/iosbackup/internal/sqlitecarve"

// CallType is the kind of a call (Call.Type).
type CallType string

// Call types.
const (
	CallPhone         CallType = "phone"
	CallFaceTimeAudio CallType = "facetime-audio"
	CallFaceTimeVideo CallType = "facetime-video"
	CallApp           CallType = "app" // a VoIP app using CallKit; Call.Service names it
)

// CallService is the service of a call (Call.Service): one of the
// constants, or the bundle identifier of the app that placed the call.
type CallService string

// Services recorded by the stores, or given when the store records none.
const (
	ServiceTelephony CallService = "com.apple.Telephony"
	ServiceFaceTime  CallService = "com.apple.FaceTime"
)

// ReactionType is the kind of a tapback (Reaction.Type).
type ReactionType string

// Reaction types: the six classic tapbacks, an emoji (iOS 17+, in
// Reaction.Emoji) and a sticker.
const (
	ReactionLove      ReactionType = "love"
	ReactionLike      ReactionType = "like"
	ReactionDislike   ReactionType = "dislike"
	ReactionLaugh     ReactionType = "laugh"
	ReactionEmphasize ReactionType = "emphasize"
	ReactionQuestion  ReactionType = "question"
	ReactionEmoji     ReactionType = "emoji"
	ReactionSticker   ReactionType = "sticker"
)

// GroupEventKind is the kind of a group-chat system message
// (GroupEvent.Kind, docs/FORMAT.md §10.2): one of the constants, or
// "group-action-N" / "item-type-N" for a value not known.
type GroupEventKind string

// Group event kinds.
const (
	GroupAdded             GroupEventKind = "added"          // GroupEvent.Other was added
	GroupRemoved           GroupEventKind = "removed"        // GroupEvent.Other was removed
	GroupNumberChanged     GroupEventKind = "number-changed" // a participant's number changed
	GroupRenamed           GroupEventKind = "renamed"        // to GroupEvent.Title
	GroupLeft              GroupEventKind = "left"
	GroupIconChanged       GroupEventKind = "icon-changed"
	GroupIconRemoved       GroupEventKind = "icon-removed"
	GroupBackgroundChanged GroupEventKind = "background-changed"
	GroupBackgroundRemoved GroupEventKind = "background-removed"
	GroupLocationSharing   GroupEventKind = "location-sharing"
	GroupAudioKept         GroupEventKind = "audio-kept"
	GroupFaceTime          GroupEventKind = "facetime"
)

// RecoverySource says where a recovered record was found
// (Recovery.Source).
type RecoverySource string

// Sources of recovered records.
const (
	// RecoveredRecentlyDeleted: a message in the iOS 16+ "Recently
	// Deleted" folder (chat_recoverable_message_join).
	RecoveredRecentlyDeleted RecoverySource = "recently-deleted"
	// RecoveredWAL: a page version in the -wal that the committed state
	// no longer uses.
	RecoveredWAL = RecoverySource(sqlitecarve.SourceWAL)
	// RecoveredSupersededPage: a main-file page that the -wal replaces.
	RecoveredSupersededPage = RecoverySource(sqlitecarve.SourceSuperseded)
	// RecoveredFreelist: a page on the database's freelist.
	RecoveredFreelist = RecoverySource(sqlitecarve.SourceFreelist)
	// RecoveredUnallocated: free space inside a live page (freeblocks and
	// the unallocated gap) or a page nothing uses.
	RecoveredUnallocated = RecoverySource(sqlitecarve.SourceUnallocated)
)
