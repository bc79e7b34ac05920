// Package watch is a server's registry of ZooKeeper watches, keyed by client
// connection. It is pure: no goroutines, locks, clocks or I/O; the owner (the
// server's state loop) serialises every call. Watches are not replicated.
//
// # Tables
//
// Like Apache ZooKeeper's server, the registry keeps two tables, a data table
// and a child table. Each maps path -> connection -> mode set, where the mode
// set holds any of STANDARD (one-shot), PERSISTENT and PERSISTENT_RECURSIVE:
//
//	AddData(c, p)              data table, STANDARD   (exists / getData watch)
//	AddChild(c, p)             child table, STANDARD  (getChildren watch)
//	AddPersistent(c, p, false) data AND child table, PERSISTENT (addWatch mode 0)
//	AddPersistent(c, p, true)  data table only, PERSISTENT_RECURSIVE (addWatch mode 1)
//
// Adding a mode that is already present is a no-op.
//
// # Firing
//
// Fire(typ, P) is one trigger; the caller invokes it once per change, in the
// order the state machine reports changes (e.g. create P fires NodeCreated on
// P, then NodeChildrenChanged on parent(P)):
//
//	NodeCreated, NodeDataChanged  every data-table entry at P, plus
//	                              PERSISTENT_RECURSIVE entries at every proper
//	                              ancestor of P (event path stays P)
//	NodeDeleted                   as above, then every child-table entry at P;
//	                              a connection already notified from the data
//	                              table is not notified again
//	NodeChildrenChanged           every child-table entry at P (recursive
//	                              watches live only in the data table, so they
//	                              never receive it)
//	any other type                nothing
//
// Every STANDARD mode that matched at P is consumed (removed) whether or not
// the caller finally delivers the event (ACL filtering happens above this
// package); PERSISTENT and PERSISTENT_RECURSIVE modes stay. A connection
// receives at most one Delivery per Fire call, and the returned deliveries are
// sorted by connection id.
//
// # Removing and checking (removeWatches / checkWatches)
//
// Remove and Has follow ZooKeeper 3.6+ DataTree.removeWatch / containsWatcher:
//
//	type                 Remove                              Has
//	Children             child table STANDARD                child table STANDARD
//	Data                 data table STANDARD                 data table STANDARD
//	Persistent           PERSISTENT in both tables           data table PERSISTENT
//	PersistentRecursive  data table PERSISTENT_RECURSIVE     data table PERSISTENT_RECURSIVE
//	Any                  every mode in both tables           any mode in either table
//
// Remove reports whether anything was removed; Has reports whether a matching
// mode is present. Unknown types match nothing. RemoveConn drops every watch
// of a connection (connection closed).
//
// # Reports
//
// Summary, ByConn and ByPath back the wchs, wchc and wchp four-letter words.
// As in ZooKeeper they describe the data table only: Summary returns the
// number of connections and paths in the data table and the number of
// (connection, path) pairs in it. Count is the total of (connection, path)
// pairs across both tables (mntr's zk_watch_count). Slices in reports are
// sorted.
package watch
